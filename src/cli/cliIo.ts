/** Where a CLI command writes; tests pass their own sinks to run commands in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A usage or input problem that the CLI reports as one line on stderr with exit code 2. */
export class UsageError extends Error {}
