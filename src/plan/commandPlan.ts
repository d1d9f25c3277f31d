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

/**
 * The command for reading (the launch preview): comment lines, `cd DIR`, then the program and its arguments, one
 * option (a flag with its value) per line, continued with a backslash, so the text is still what bash would run.
 */
export function previewText(plan: CommandPlan, comments: readonly string[]): string {
  const lines: string[][] = [];
  for (const arg of plan.argv) {
    const last = lines[lines.length - 1];
    // A value joins its flag; a flag, the script or the program starts a line.
    if (last !== undefined && last.length === 1 && last[0]?.startsWith('-') && !arg.startsWith('-')) last.push(arg);
    else lines.push([arg]);
  }
  const command = lines.map((l, i) => `${i === 0 ? '' : '  '}${shellQuoteArgv(l)}${i < lines.length - 1 ? ' \\' : ''}`);
  return [
    ...comments.map((c) => `# ${c.replace(/\n/g, ' ')}`),
    `cd ${shellQuoteArgv([plan.cwd])}`,
    ...command,
    '',
  ].join('\n');
}
