/**
 * A process to start, never a shell string (ARCHITECTURE.md rule 10): `argv[0]` is the program, the rest its
 * arguments, each one element however many spaces it holds. `env` holds only what the plan adds; the launcher
 * puts it on top of its own environment.
 */
export interface CommandPlan {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The command as one line a person can paste into bash (display only: plans are run from argv). Arguments are
 * single-quoted when they hold anything but `[\w@%+=:,./-]`.
 */
export function shellQuoteArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
