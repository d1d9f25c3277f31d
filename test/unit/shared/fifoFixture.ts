import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';

/** A real named pipe at `path` (mkfifo(1)): what a repository can commit under any file name. */
export function makeFifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/**
 * Opens each pipe for writing once and closes it: a reader stuck in open(2) on it (code that does not open
 * untrusted files non-blocking) then sees end-of-file, so a failing test does not leave a thread blocked forever.
 */
export function releaseFifos(...paths: string[]): void {
  for (const path of paths) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is reading it; ENOENT: already removed.
    }
  }
}
