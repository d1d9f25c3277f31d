// `npm start`: opens TiC Studio on the demo workspace in a real VS Code.
// - Desktop VS Code (`code` on PATH): a new window with --extensionDevelopmentPath on this folder.
// - Otherwise: code-server bound to 127.0.0.1 with the packaged extension installed; the URL is printed
//   (from a remote machine: ssh -L PORT:127.0.0.1:PORT host, then open the URL locally).
// The demo is opened as a working copy in .demo-workspace/ (git-ignored, made from demo/ on first use, remade with
// --fresh), so the runs you launch there never touch the repository's demo/.
// Options: --port N (default 8090, or a free one), --folder DIR (instead of the demo), --fresh,
//          --check (code-server only: open it once in headless Chromium, screenshot, exit; used by the e2e tier).
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import {
  installVsix,
  launchChromium,
  makeProfile,
  projectRoot,
  startCodeServer,
  workbenchUrl,
} from './lib/codeServer.mjs';
import { ensureNodeModules } from './lib/ensureDeps.mjs';
import { onPath, run } from './lib/run.mjs';

const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const check = args.includes('--check');
const folder = value('--folder') ? resolve(value('--folder')) : demoWorkingCopy(args.includes('--fresh'));

function demoWorkingCopy(fresh) {
  const copy = join(projectRoot, '.demo-workspace');
  if (fresh) rmSync(copy, { recursive: true, force: true });
  if (!existsSync(copy)) cpSync(join(projectRoot, 'demo'), copy, { recursive: true });
  return copy;
}

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function portIsFree(port) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

if (!(await ensureNodeModules())) fail('npm ci failed (see above).');

if (onPath('code') && !check && !process.env.TIC_STUDIO_NO_DESKTOP) {
  if ((await run('node', ['scripts/build.mjs'], { cwd: projectRoot })).code !== 0)
    fail('the build failed (see above).');
  console.log(`Opening ${folder} in VS Code with TiC Studio from ${projectRoot} (development mode).`);
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${projectRoot}`, folder], {
    stdio: 'inherit',
    detached: true,
  }).unref();
} else {
  const { ensureHost } = await import('./ensureHost.mjs');
  try {
    await ensureHost();
  } catch (error) {
    fail(error.message);
  }
  // vsce lists every packaged file: kept out of the way unless packaging fails.
  console.log('Packaging the extension…');
  const packaged = await run('npm', ['run', 'package', '--silent'], { cwd: projectRoot, quiet: true });
  if (packaged.code !== 0) {
    process.stderr.write(packaged.output.slice(-6000));
    fail('packaging the extension failed (see above).');
  }
  const wanted = Number(value('--port') ?? 8090);
  const port = check ? 0 : (await portIsFree(wanted)) ? wanted : 0;
  // A theme chosen explicitly (the same in every session and screenshot), and no "open the parent repository?"
  // prompt from Git for the demo copy, which lives inside this repository.
  const profile = makeProfile('tic-studio-start-', {
    'workbench.colorTheme': 'Default Dark Modern',
    'git.openRepositoryInParentFolders': 'never',
  });
  await installVsix(profile, join(projectRoot, 'dist/tic-studio.vsix'));
  const server = await startCodeServer({ profile, folder, port });
  const url = workbenchUrl(server.url, folder);
  const stop = async () => {
    await server.stop();
    profile.remove();
  };
  if (check) {
    const browser = await launchChromium(profile.base);
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(url);
      await page.locator('.activitybar [aria-label*="TiC Studio"]').first().click({ timeout: 60000 });
      for (const title of ['Experiments', 'Checkpoints', 'Runs'])
        await page.locator('.pane-header', { hasText: title }).first().waitFor();
      // The demo's chains, once TiC Studio has activated and scanned the workspace.
      if (!value('--folder'))
        await page
          .getByRole('treeitem', { name: /^cumulative chain/ })
          .first()
          .waitFor({ timeout: 60000 });
      const dir = join(projectRoot, 'test-results/screenshots');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'npm-start.png') });
      console.log(`npm start --check: the workbench at ${url} shows TiC Studio with its three views.`);
    } finally {
      await browser.close();
      await stop();
    }
  } else {
    console.log(`\nTiC Studio is running in code-server on the demo workspace:\n\n  ${url}\n\nPress Ctrl+C to stop.`);
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      void stop().then(() => process.exit(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    // The terminal or the SSH session that ran `npm start` went away: stop code-server too, not leave it running.
    process.on('SIGHUP', shutdown);
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) shutdown();
    }, 2000).unref();
  }
}
