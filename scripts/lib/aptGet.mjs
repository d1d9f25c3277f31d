// apt-get that waits for the package manager instead of failing when something else holds it: on a fresh machine
// unattended-upgrades (or cloud-init) runs apt at boot, and an install that starts then fails at once with
// "Could not get lock". Every apt-get the tests and `npm start` run goes through here.
import { setTimeout as delay } from 'node:timers/promises';

/** How long to wait, in all, for another apt or dpkg to let go of its locks. */
export const aptLockTimeoutSeconds = 600;

/** apt's own words when another process holds one of its locks (the lists, the dpkg frontend, the archives). */
const lockBusy = /Could not get lock|Unable to lock directory|Unable to acquire the dpkg frontend lock/;

/**
 * Runs `apt-get ARGS` through `runOnce` with `-o DPkg::Lock::Timeout=<seconds left>`, which makes apt wait for
 * the dpkg lock itself. `apt-get update` does not apply that option to the package lists lock (apt 2.6 fails at
 * once there), so while apt still fails naming a held lock, it is run again every `retryMs` until the
 * `timeoutSeconds` are spent. `runOnce(args)` runs apt-get with exactly those arguments and resolves to at least
 * `{ code, output }` (stdout and stderr); the last such result is returned.
 *
 * @template {{ code: number; output: string }} R
 * @param {(args: string[]) => Promise<R>} runOnce
 * @param {string[]} args
 * @param {{ timeoutSeconds?: number; retryMs?: number; onWait?: (output: string) => void }} [options]
 * @returns {Promise<R>}
 */
export async function aptGetWaitingForLocks(runOnce, args, options = {}) {
  const timeoutSeconds = options.timeoutSeconds ?? aptLockTimeoutSeconds;
  const retryMs = options.retryMs ?? 5000;
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const result = await runOnce(['-o', `DPkg::Lock::Timeout=${left}`, ...args]);
    if (result.code === 0 || !lockBusy.test(result.output) || Date.now() + retryMs >= deadline) return result;
    options.onWait?.(result.output);
    await delay(retryMs);
  }
}
