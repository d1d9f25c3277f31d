import { execFile } from 'node:child_process';

/**
 * Which eval code an evaluation runs: the ml-tic-clip checkout's commit and whether it has uncommitted changes,
 * recorded next to every evaluation TiC Studio launches (src/formats/evalProvenance.ts), since eval numbers move
 * between eval-code versions (contracts §9). Null where git cannot say: git not installed, the checkout not a
 * repository, git refusing it (another owner's folder).
 */
export interface CheckoutRevision {
  /** `git rev-parse HEAD`: 40 lower-case hex digits. */
  readonly commit: string | null;
  /** `git status --porcelain` printed anything (tracked changes or untracked files). */
  readonly dirty: boolean | null;
}

/** Runs `git` with these arguments (an argv array, never a shell) and gives its stdout, or rejects. */
export type GitRunner = (args: readonly string[]) => Promise<string>;

/**
 * The checkout's revision. `git -C <checkout>` with the repository's fsmonitor hook turned off (a workspace's
 * `.git/config` could name any program there) and without optional locks (a status must not take the index lock
 * from the user's own git commands).
 */
export async function checkoutRevision(checkout: string, git: GitRunner = runGit): Promise<CheckoutRevision> {
  const base = ['-c', 'core.fsmonitor=false', '-C', checkout];
  const [head, status] = await Promise.all([
    git([...base, 'rev-parse', '--verify', 'HEAD']).then(
      (out) => out,
      () => null,
    ),
    git([...base, 'status', '--porcelain']).then(
      (out) => out,
      (error: unknown) => (isOutputTooLarge(error) ? 'more than fits' : null),
    ),
  ]);
  const commit = head?.trim().toLowerCase() ?? null;
  return {
    commit: commit !== null && /^[0-9a-f]{40}$/.test(commit) ? commit : null,
    dirty: status === null ? null : status.trim() !== '',
  };
}

const gitTimeoutMs = 15_000;
const gitMaxOutput = 1024 * 1024;

function runGit(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      {
        timeout: gitTimeoutMs,
        maxBuffer: gitMaxOutput,
        windowsHide: true,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** A status too long to buffer still says the checkout is dirty. */
function isOutputTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
}
