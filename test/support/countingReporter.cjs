// Mocha's spec output plus one machine-readable summary line that scripts/test.mjs adds up across tiers
// (CI only recognises the plain "N passed, N failed" line that test.mjs prints at the very end).
'use strict';
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      // eslint-disable-next-line no-console
      console.log(`TIC-TEST-SUMMARY ${JSON.stringify({ passes, failures, pending })}`);
    });
  }
}

module.exports = CountingReporter;
