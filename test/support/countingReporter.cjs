// Mocha's spec output plus one machine-readable summary line that scripts/test.mjs adds up across tiers
// (CI only recognises the plain "N passed, N failed" line that test.mjs prints at the very end).
//
// With TIC_TEST_EXIT_GRACE_S set (scripts/test.mjs sets it for the tiers it runs with the mocha CLI), a process that
// is still alive that many seconds after its tests ended (a server, child process, watcher or timer some test left
// behind) says what keeps it alive and exits with mocha's own exit code, as `--exit` would, instead of hanging the
// run until CI's time limit. The leak is then in the output to be fixed, and the results stand.
'use strict';
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      // eslint-disable-next-line no-console
      console.log(`TIC-TEST-SUMMARY ${JSON.stringify({ passes, failures, pending })}`);
      const grace = Number(process.env.TIC_TEST_EXIT_GRACE_S);
      if (grace > 0) setTimeout(() => exitLeaking(grace, failures), grace * 1000).unref();
    });
  }
}

function exitLeaking(grace, failures) {
  // eslint-disable-next-line no-console
  console.error(
    `\nThe tests ended ${grace} s ago, but the process is still kept alive by:\n${describeHandles()}\n` +
      'Exiting now with the tests’ result; whatever is listed above is a leak in the tests or the code to fix.',
  );
  process.exit(process.exitCode ?? (failures > 0 ? 1 : 0));
}

/** What keeps the event loop alive, as far as Node tells: child processes, sockets and servers, timers. */
function describeHandles() {
  const lines = [];
  // eslint-disable-next-line no-underscore-dangle
  for (const handle of process._getActiveHandles()) {
    const kind = handle?.constructor?.name ?? typeof handle;
    if (handle === process.stdout || handle === process.stderr || handle === process.stdin) continue;
    if (kind === 'ChildProcess') lines.push(`  child process ${handle.pid}: ${(handle.spawnargs ?? []).join(' ')}`);
    else if (kind === 'Server') lines.push(`  server listening on ${JSON.stringify(handle.address?.())}`);
    else if (kind === 'Socket')
      lines.push(handle.remoteAddress ? `  socket to ${handle.remoteAddress}:${handle.remotePort}` : '  pipe');
    else if (kind === 'Timeout') lines.push(`  timer (${handle._idleTimeout} ms) ${handle._onTimeout?.name || ''}`);
    else lines.push(`  ${kind}`);
  }
  const resources = process.getActiveResourcesInfo?.() ?? [];
  lines.push(`  (Node's count: ${resources.join(', ') || 'none'})`);
  return lines.join('\n');
}

module.exports = CountingReporter;
