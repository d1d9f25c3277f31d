import { runCli } from './cli/runCli';

/** `tic-studio`: the same capabilities as the extension, headless, for terminals and scripts. */
void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
