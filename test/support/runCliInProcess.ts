import type { CliIo } from '../../src/cli/common/cliIo';

/** Runs a CLI command function in this process with captured stdout and stderr. */
export async function runCliInProcess(
  command: (args: string[], io: CliIo) => Promise<number>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  };
  const code = await command(args, io);
  return { code, stdout, stderr };
}
