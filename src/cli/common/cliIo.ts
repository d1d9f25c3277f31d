import { terminalSafe } from './terminalSafe';

/** Where a CLI command writes; tests pass their own sinks to run commands in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A usage or input problem that the CLI reports as one line on stderr with exit code 2. */
export class UsageError extends Error {}

/**
 * The sinks every command writes through: each write passes terminalSafe, so nothing a file or the Hub put into
 * a label, a path, a tensor name or an error message reaches the terminal as a control sequence, whichever
 * command prints it (JSON output included: it stays valid JSON of the same value, see terminalSafe). Our own
 * framing is newlines and tabs only, which pass unchanged; a command that one day redraws a progress line with
 * `\r` must write that `\r` to the raw sinks, outside this filter, and its text through terminalSafe.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    stdout: { write: (text: string) => io.stdout.write(terminalSafe(text)) },
    stderr: { write: (text: string) => io.stderr.write(terminalSafe(text)) },
  };
}
