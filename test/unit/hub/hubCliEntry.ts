// A `tic-studio hub …` process for the tests that kill, interrupt or race real processes (the command is wired
// into runCli by the lead; this entry runs it the same way without depending on that). Test-only tuning comes
// from TIC_TEST_HUB_CHUNK_SIZE and TIC_TEST_HUB_LOCK_POLL_MS.
import { hubCommand } from '../../../src/cli/hubCommand';

const chunkSize = Number(process.env.TIC_TEST_HUB_CHUNK_SIZE) || undefined;
const lockPollMs = Number(process.env.TIC_TEST_HUB_LOCK_POLL_MS) || undefined;
void hubCommand(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  { downloadOptions: { chunkSize, lockPollMs }, progressIntervalMs: 250 },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tic-studio hub: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
