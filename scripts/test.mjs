// `npm test`: installs what is missing, builds, type-checks, lints, then runs the four tiers (unit in plain Node,
// slurm against a real one-node Slurm the tests start, integration inside a real VS Code extension host, e2e through
// the workbench UI) and ends with one plain line "N passed, N failed" that sums every tier. Exits non-zero on any
// failure.
//   npm test                 everything
//   npm test -- unit e2e     only the named tiers (unit, slurm, integration, e2e); checks always run
import { projectRoot } from './lib/codeServer.mjs';
import { ensureNodeModules } from './lib/ensureDeps.mjs';
import { run } from './lib/run.mjs';

const allTiers = ['unit', 'slurm', 'integration', 'e2e'];
/**
 * Wall-clock budget of each step, in minutes: a step that hangs is stopped with the list of its processes and counts
 * as failed, so the whole command stays well inside CI's 90 minutes (it takes about 13 on a 2-core machine).
 */
const budgetMinutes = { check: 10, unit: 10, slurm: 20, integration: 10, e2e: 25 };
const asked = process.argv.slice(2).filter((a) => allTiers.includes(a));
const tiers = asked.length ? asked : allTiers;
const results = [];
const started = Date.now();

let stepStarted = Date.now();

function record(name, ok, counts) {
  results.push({
    seconds: Math.round((Date.now() - stepStarted) / 1000),
    name,
    passes: counts?.passes ?? (ok ? 1 : 0),
    failures: counts?.failures ?? (ok ? 0 : 1),
    pending: counts?.pending ?? 0,
    ok,
  });
}

/** Sums the TIC-TEST-SUMMARY lines a mocha run printed (see test/support/countingReporter.cjs). */
function summaries(output) {
  const total = { passes: 0, failures: 0, pending: 0, seen: 0 };
  for (const match of output.matchAll(/^TIC-TEST-SUMMARY (\{.*\})$/gm)) {
    const s = JSON.parse(match[1]);
    total.passes += s.passes;
    total.failures += s.failures;
    total.pending += s.pending;
    total.seen++;
  }
  return total;
}

function header(name) {
  stepStarted = Date.now();
  console.log(`\n=== ${name} === (${Math.round((Date.now() - started) / 1000)} s in)`);
}

async function tier(name, cmd, args, env) {
  header(name);
  const { code, output, timedOut } = await run(cmd, args, {
    cwd: projectRoot,
    capture: true,
    env: { ...process.env, ...env },
    timeoutMs: budgetMinutes[name] * 60_000,
    name,
  });
  const s = summaries(output);
  if (timedOut) {
    console.error(`${name}: stopped after its ${budgetMinutes[name]} min budget; counts as failed.`);
    record(name, false, { passes: s.passes, failures: s.failures + 1, pending: s.pending });
  } else if (s.seen === 0) {
    console.error(`${name}: the tier ended (exit ${code}) without running its tests.`);
    record(name, false);
  } else {
    // A tier that reports no failures but exits non-zero still failed (e.g. a crash after mocha's summary).
    const failures = s.failures + (code !== 0 && s.failures === 0 ? 1 : 0);
    record(name, code === 0 && failures === 0, { passes: s.passes, failures, pending: s.pending });
    if (s.passes === 0 && !(s.pending > 0 && failures === 0)) {
      console.error(`${name}: no test passed; an empty tier counts as a failure.`);
      results.at(-1).failures += 1;
    } else if (s.passes === 0) {
      // Skipped with their reason (printed above), e.g. Slurm tests where nobody may install Slurm: not a pass.
      console.error(`${name}: every test skipped itself; see the reason above.`);
    }
  }
}

async function check(name, cmd, args, env) {
  header(name);
  const { code } = await run(cmd, args, {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    timeoutMs: budgetMinutes.check * 60_000,
    name,
  });
  // A check is not a test: it adds nothing to "passed", but a failed check counts as a failure.
  record(name, code === 0, { passes: 0, failures: code === 0 ? 0 : 1 });
  return code === 0;
}

async function main() {
  if (!(await ensureNodeModules())) {
    record('npm ci', false, { passes: 0, failures: 1 });
    return;
  }
  if (tiers.some((t) => t !== 'unit')) {
    const { ensureHost } = await import('./ensureHost.mjs');
    try {
      await ensureHost();
    } catch (error) {
      console.error(error.message);
      record('install test host', false, { passes: 0, failures: 1 });
      return;
    }
  }
  if (!(await check('build', 'node', ['scripts/build.mjs', '--tests']))) return;
  await check('typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']);
  await check('lint', 'npx', ['eslint', '.']);
  await check('format', 'npx', ['prettier', '--check', '.']);

  // A mocha process that outlives its tests by 30 s names what keeps it alive and exits (countingReporter.cjs).
  const exitGrace = { TIC_TEST_EXIT_GRACE_S: '30' };
  if (tiers.includes('unit'))
    await tier('unit', 'npx', ['mocha', '--reporter', './test/support/countingReporter.cjs'], exitGrace);
  if (tiers.includes('slurm'))
    await tier(
      'slurm',
      'npx',
      ['mocha', '--config', 'test/slurm/.mocharc.json', '--reporter', './test/support/countingReporter.cjs'],
      exitGrace,
    );
  if (tiers.includes('integration')) await tier('integration', 'node', ['scripts/runIntegration.mjs']);
  if (tiers.includes('e2e')) {
    if (await check('package .vsix', 'npm', ['run', 'package', '--silent'])) {
      await tier(
        'e2e',
        'npx',
        ['mocha', '--config', 'test/e2e/.mocharc.json', '--reporter', './test/support/countingReporter.cjs'],
        exitGrace,
      );
    }
  }
}

await main();
const tierRows = results.filter((r) => allTiers.includes(r.name));
const checks = results.filter((r) => !tierRows.includes(r));
console.log('\n=== summary ===');
for (const r of checks) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds} s)`);
for (const r of tierRows)
  console.log(
    `${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.passes} passed, ${r.failures} failed${r.pending ? `, ${r.pending} skipped` : ''} (${r.seconds} s)`,
  );
console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
// A failed check (install, build, types, lint) counts as one failure, so a broken build never reads as green.
const passed = results.reduce((n, r) => n + r.passes, 0);
const failed = results.reduce((n, r) => n + r.failures, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.every((r) => r.ok) ? 0 : 1);
