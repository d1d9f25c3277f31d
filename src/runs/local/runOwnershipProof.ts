import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defaultProcRoot,
  isRunningState,
  listPids,
  readBootId,
  readProcessInfo,
  type ProcessInfo,
} from './processTree';
import { RunClaims, runSecretVariable } from '../runClaims';
import type { RunRecord } from '../model/runRecord';

/**
 * Why a run's process may not be signalled. Everything but `gone` is a refusal: the record names a process that
 * TiC Studio cannot prove it started.
 */
export type OwnershipRefusal =
  /** pid or pgid ≤ 1, or our own pid or process group: never signalled, whatever the proof. */
  | 'unsafeProcess'
  /** No claim in the per-user state folder for this run, workspace and host. */
  | 'noClaim'
  /** The process belongs to another user. */
  | 'otherUser'
  /** The record's boot id is not this boot's, or `unknown` on a system with /proc. */
  | 'otherBoot'
  /** The process does not lead the process group the record names. */
  | 'notGroupLeader'
  /** The process does not carry the run's secret in its environment. */
  | 'noSecret';

export type OwnershipProof =
  | { readonly outcome: 'proven'; readonly leader: ProcessInfo | undefined; readonly secretEntry: string }
  /** The process the record names has ended (or its pid now belongs to a later process): nothing to signal. */
  | { readonly outcome: 'gone' }
  | { readonly outcome: 'refused'; readonly reason: OwnershipRefusal; readonly message: string };

export interface ProveOptions {
  claims: RunClaims;
  procRoot?: string;
  /** This process and its group: never signalled. */
  ownPid?: number;
  ownPgid?: number;
}

const maxEnvironBytes = 1024 * 1024;

/**
 * Decides whether the process a run record names is a process TiC Studio started for that run, before any signal.
 * A record is a claim anyone who can write the workspace can make (`pid: 1`, or the pid and real start time of one
 * of the user's processes); the proof is (1) a claim for this run in the per-user state folder, which holds a
 * 128-bit secret, (2) that secret in the process's environment (`/proc/<pid>/environ`, readable only by its owner),
 * (3) the same boot and start time, (4) our uid, (5) the process leads the group the record names.
 */
export async function proveRunOwnership(record: RunRecord, options: ProveOptions): Promise<OwnershipProof> {
  const procRoot = options.procRoot ?? defaultProcRoot;
  const ownPid = options.ownPid ?? process.pid;
  const refuse = (reason: OwnershipRefusal, message: string): OwnershipProof => ({
    outcome: 'refused',
    reason,
    message,
  });
  const identity = record.process;
  const pgid = record.pgid;
  if (identity === undefined || pgid === undefined) return { outcome: 'gone' };
  const ownPgid = options.ownPgid ?? (await readProcessInfo(ownPid, procRoot))?.pgid;
  if (
    identity.pid <= 1 ||
    pgid <= 1 ||
    identity.pid === ownPid ||
    pgid === ownPid ||
    (ownPgid !== undefined && (pgid === ownPgid || identity.pid === ownPgid))
  )
    return refuse(
      'unsafeProcess',
      `the record names process ${identity.pid} (group ${pgid}), which TiC Studio never signals (the init process, or TiC Studio itself).`,
    );
  const claim = await options.claims.read(record.id);
  if (claim === undefined)
    return refuse(
      'noClaim',
      'TiC Studio has no proof that it started this run as you on this machine (the record may come from another machine, another user, an older TiC Studio, or be planted); nothing was signalled. If you know the process is yours, stop it yourself.',
    );
  const secretEntry = `${runSecretVariable}=${RunClaims.envValue(claim)}`;
  if (!(await hasProc(procRoot))) {
    // No /proc (macOS): neither the start time nor the environment can be read. The claim is all there is.
    if (identity.bootId !== 'unknown')
      return refuse('otherBoot', 'the record was written on a system with /proc; this one has none.');
    return { outcome: 'proven', leader: undefined, secretEntry };
  }
  if (identity.bootId === 'unknown' || identity.bootId !== (await readBootId(procRoot)))
    return identity.bootId === 'unknown'
      ? refuse('otherBoot', 'the record does not say which boot its process belongs to; nothing was signalled.')
      : { outcome: 'gone' };
  const info = await readProcessInfo(identity.pid, procRoot);
  if (info === undefined || !isRunningState(info.state) || info.startTicks !== identity.startTicks)
    return { outcome: 'gone' };
  const owner = await stat(join(procRoot, String(identity.pid))).then(
    (s) => s.uid,
    () => undefined,
  );
  const uid = process.getuid?.();
  if (owner === undefined) return { outcome: 'gone' };
  if (uid !== undefined && owner !== uid)
    return refuse(
      'otherUser',
      `process ${identity.pid} belongs to another user (uid ${owner}); nothing was signalled.`,
    );
  if (info.pgid !== pgid || pgid !== identity.pid)
    return refuse(
      'notGroupLeader',
      `process ${identity.pid} does not lead process group ${pgid} as a run TiC Studio started would; nothing was signalled.`,
    );
  if (!(await carriesSecret(identity.pid, secretEntry, procRoot)))
    return refuse(
      'noSecret',
      `process ${identity.pid} is not the one TiC Studio started for this run (it does not carry the run's secret); nothing was signalled.`,
    );
  return { outcome: 'proven', leader: info, secretEntry };
}

/** True when `/proc/<pid>/environ` holds exactly `entry` (NAME=value). Only the owner (or root) can read it. */
export async function carriesSecret(pid: number, entry: string, procRoot = defaultProcRoot): Promise<boolean> {
  const environ = await readEnviron(pid, procRoot);
  return environ !== undefined && environ.split('\0').includes(entry);
}

/**
 * The pids whose environment holds `entry`: the processes of one run, also those that left its process group and
 * lost their parent. Processes of other users cannot be read and are never listed.
 */
export async function processesCarrying(entry: string, procRoot = defaultProcRoot): Promise<number[]> {
  const pids = await listPids(procRoot);
  const found: number[] = [];
  for (const pid of pids) if (await carriesSecret(pid, entry, procRoot)) found.push(pid);
  return found;
}

async function readEnviron(pid: number, procRoot: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(join(procRoot, String(pid), 'environ'), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(maxEnvironBytes);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

async function hasProc(procRoot: string): Promise<boolean> {
  return stat(join(procRoot, 'self')).then(
    () => true,
    () => false,
  );
}
