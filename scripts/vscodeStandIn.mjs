#!/usr/bin/env node
// Stands in for the VS Code binary that @vscode/test-electron's runTests spawns: it starts code-server (a real
// VS Code workbench and Node extension host) and headless Chromium, loads the extension under development and its
// tests through the smoke-test driver's payload, forwards the test output, and exits with the tests' exit code.
import { basename } from 'node:path';
import { format } from 'node:util';
import { launchChromium, makeProfile, remoteUri, startCodeServer, workbenchUrl } from './lib/codeServer.mjs';

const argv = process.argv.slice(2);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const devPaths = argv
  .filter((a) => a.startsWith('--extensionDevelopmentPath='))
  .map((a) => a.slice('--extensionDevelopmentPath='.length));
const testsPath = option('extensionTestsPath');
const folder = argv.find((a) => !a.startsWith('-'));
if (!testsPath || devPaths.length === 0) {
  console.error(
    `${basename(process.argv[1])}: needs --extensionDevelopmentPath= and --extensionTestsPath= (as runTests passes them).`,
  );
  process.exit(2);
}

// A fresh profile per run, whatever runTests suggested, so runs never share state.
const profile = makeProfile('tic-studio-itest-');
let server;
let browser;
let exitCode;
const cleanup = async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  profile.remove();
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

try {
  server = await startCodeServer({
    profile,
    folder,
    smokeTestDriver: true,
    log: (t) => process.env.TIC_STUDIO_VERBOSE && process.stderr.write(t),
  });
  browser = await launchChromium(profile.base);
  const page = browser.pages()[0] ?? (await browser.newPage());
  let resolveExit;
  const exited = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    // Offline, the workbench's marketplace look-ups fail with long stacks: noise, unless asked for.
    if (
      !process.env.TIC_STUDIO_VERBOSE &&
      /GalleryExtensions|ENOTFOUND|open-vsx|AgentHost|connection token|Creating a socket/.test(text)
    )
      return;
    (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  const payload = [
    ...devPaths.map((p) => ['extensionDevelopmentPath', remoteUri(server.url, p)]),
    ['extensionTestsPath', remoteUri(server.url, testsPath)],
  ];
  await page.goto(workbenchUrl(server.url, folder, payload));
  const limitMs = Number(process.env.TIC_STUDIO_ITEST_TIMEOUT_MS ?? 600000);
  exitCode = await Promise.race([
    exited,
    new Promise((resolve) =>
      setTimeout(() => {
        console.error(`The extension tests did not finish within ${limitMs / 1000} s.`);
        resolve(1);
      }, limitMs),
    ),
  ]);
} catch (error) {
  console.error(`vscodeStandIn: ${error?.stack ?? error}`);
  if (server) console.error(server.output().slice(-4000));
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
