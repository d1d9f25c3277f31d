import { runCli } from './cli/runCli';

/** `tic-studio`: the same capabilities as the extension, headless, for terminals and scripts. */

// `tic-studio results --json | head`: the reader closing the pipe early is the end of the output, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
