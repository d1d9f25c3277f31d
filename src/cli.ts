/* eslint-disable @typescript-eslint/no-require-imports -- node:os only when the compile cache needs a home folder */
import module from 'node:module';
import { isAbsolute, join } from 'node:path';
import { runCli } from './cli/runCli';

/** `tic-studio`: the same capabilities as the extension, headless, for terminals and scripts. */

/**
 * Turns on V8's compile cache where the running Node offers it (`module.enableCompileCache`, Node ≥ 22.1), so the
 * command's bundle, loaded after this (scripts/build.mjs: dist/cli-<command>.js), is compiled from cached code on the
 * next start. The folder is the user's own, `$XDG_CACHE_HOME/tic-studio/node-compile-cache` (else `~/.cache/…`), not
 * Node's default under the shared /tmp, where another user of a login node could plant entries; Node checks each
 * entry against the source's hash and V8's version and flags, and compiles afresh when one does not match.
 * NODE_COMPILE_CACHE (a folder of the user's choice) and NODE_DISABLE_COMPILE_CACHE are Node's and win. Never
 * required: an older Node, a read-only home or any error means compiling as usual.
 */
function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (module as { enableCompileCache?: (directory?: string) => unknown }).enableCompileCache;
  if (typeof enable !== 'function' || env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return;
  try {
    const xdg = env.XDG_CACHE_HOME;
    // node:os is not loaded by Node's own start: required only here, where the home folder is needed.
    const base =
      xdg !== undefined && xdg !== '' && isAbsolute(xdg)
        ? xdg
        : join((require('node:os') as typeof import('node:os')).homedir(), '.cache');
    enable.call(module, join(base, 'tic-studio', 'node-compile-cache'));
  } catch {
    // The cache is an optimisation only.
  }
}

enableCompileCache();

// `tic-studio results --json | head`: the reader closing the pipe early is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
