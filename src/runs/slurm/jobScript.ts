import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/**
 * The batch script of a Slurm run lives in the workspace (`.tic-studio/runs/<id>.sbatch`), where anyone who can
 * write to the workspace can replace it. TiC Studio therefore keeps the sha256 of what it wrote in the per-user
 * state folder (runClaims.ts) and submits bytes, not a path: the script is read once here, checked, and those very
 * bytes go to sbatch on its standard input, so nothing can swap the file between the check and the submission.
 */

/** A generated script is a few KB; a larger file in its place is not ours. */
export const maxJobScriptBytes = 256 * 1024;

export function jobScriptSha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Why a script could not be read back: gone, or something other than a plain file (a link, a FIFO, a folder, huge). */
export type JobScriptProblem = 'missing' | 'notPlainFile';

export type JobScriptRead =
  | { readonly content: Buffer; readonly sha256: string }
  | { readonly problem: JobScriptProblem; readonly detail: string };

/**
 * Reads a run's script: it must be a regular file, not a link (lstat, then O_NOFOLLOW and fstat of the open
 * descriptor, since the path can change in between), opened without blocking (a FIFO never hangs the reader),
 * at most maxJobScriptBytes.
 */
export async function readJobScript(path: string): Promise<JobScriptRead> {
  const notPlain = (what: string): JobScriptRead => ({
    problem: 'notPlainFile',
    detail: `${path} is ${what}, not the plain file TiC Studio wrote`,
  });
  let before;
  try {
    before = await lstat(path);
  } catch {
    return { problem: 'missing', detail: `${path} does not exist` };
  }
  if (before.isSymbolicLink()) return notPlain('a link');
  if (!before.isFile()) return notPlain('a folder, a pipe or a device');
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: 'missing', detail: `${path} does not exist` };
    return code === 'ELOOP' ? notPlain('a link') : notPlain(`unreadable (${code ?? String(error)})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return notPlain('a folder, a pipe or a device');
    if (info.size > maxJobScriptBytes) return notPlain(`${info.size} bytes`);
    const buffer = Buffer.alloc(maxJobScriptBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxJobScriptBytes) return notPlain(`over ${maxJobScriptBytes} bytes`);
    }
    const content = Buffer.from(buffer.subarray(0, filled));
    return { content, sha256: jobScriptSha256(content) };
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new script: O_CREAT|O_EXCL|O_NOFOLLOW, so a file or a link already at the path (a repository can plant
 * one under a run id it guesses) is never written through; the caller gets EEXIST instead.
 */
export async function writeNewJobScript(path: string, content: string): Promise<void> {
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}
