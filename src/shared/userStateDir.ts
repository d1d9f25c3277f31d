import { chmod, lstat, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * TiC Studio's per-user state folder: `$XDG_STATE_HOME/tic-studio`, else `~/.local/state/tic-studio` (the XDG Base
 * Directory spec's place for state that outlives a session but is not worth backing up). The extension and the
 * CLI share it. It holds what a workspace must not be able to forge: the secret each local run carries, the Slurm
 * jobs this user submitted, the sha256 of each batch script, and the supervisor wrapper that is executed. A file in
 * the workspace is a claim; this folder, mode 0700 and owned by the user, is where TiC Studio keeps its proofs.
 */
export function userStateDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const xdg = env.XDG_STATE_HOME;
  // The spec: a relative value is invalid and must be ignored.
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'tic-studio');
  return join(home, '.local', 'state', 'tic-studio');
}

export class UserStateDirError extends Error {
  override readonly name = 'UserStateDirError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * Creates `dir` (and its parents) if needed and checks that it is a real folder, not a link, owned by this user,
 * that nobody else can write to; a folder of ours with looser modes is tightened to 0700. Throws UserStateDirError
 * otherwise: proofs kept where another user can write are no proofs.
 */
export async function ensureUserStateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory())
    throw new UserStateDirError(`${dir} is not a folder (a link or a file is in its place); remove it.`, dir);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid)
    throw new UserStateDirError(
      `${dir} belongs to another user (uid ${info.uid}); TiC Studio keeps its state in a folder of yours.`,
      dir,
    );
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return dir;
}
