import Mocha from 'mocha';
import * as path from 'node:path';
import { readdirSync } from 'node:fs';

// Runs inside the real VS Code extension host (code-server), started by scripts/runIntegration.mjs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const CountingReporter = require('../support/countingReporter.cjs');

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: CountingReporter });
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed.`);
}
