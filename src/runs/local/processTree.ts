import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessIdentity } from '../model/processIdentity';

/**
 * What the supervisor knows about a process from `/proc/<pid>/stat` (Linux proc(5)). `startTicks` (field 22,
 * clock ticks since boot) together with the boot id tells a process from a later one that got the same pid.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Field 3: R, S, D, Z (zombie), T, X (dead), … */
  state: string;
  startTicks: number;
}

/** Linux fixes USER_HZ at 100 for user space on every architecture TiC-CLIP runs on (proc(5), "starttime"). */
export const clockTicksPerSecond = 100;

export const defaultProcRoot = '/proc';

/** Parses the text of `/proc/<pid>/stat`; undefined when it is not one. The command name may hold spaces and ')'. */
export function parseProcStat(text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const state = fields[0];
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const startTicks = Number(fields[19]);
  if (
    !Number.isInteger(pid) ||
    state === undefined ||
    !Number.isInteger(ppid) ||
    !Number.isInteger(pgid) ||
    !Number.isInteger(startTicks)
  ) {
    return undefined;
  }
  return { pid, ppid, pgid, state, startTicks };
}

/** The process with this pid now, or undefined when there is none (or no /proc, e.g. on macOS). */
export async function readProcessInfo(pid: number, procRoot = defaultProcRoot): Promise<ProcessInfo | undefined> {
  try {
    return parseProcStat(await readFile(join(procRoot, String(pid), 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pids in /proc; none without it. */
export async function listPids(procRoot = defaultProcRoot): Promise<number[]> {
  try {
    return (await readdir(procRoot)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** Every process visible in /proc. Processes that end while being read are left out. */
export async function listProcesses(procRoot = defaultProcRoot): Promise<ProcessInfo[]> {
  const pids = await listPids(procRoot);
  const infos = await Promise.all(pids.map((pid) => readProcessInfo(pid, procRoot)));
  return infos.filter((i): i is ProcessInfo => i !== undefined);
}

/**
 * All descendants of `rootPid` by parent pid, whatever their process group or session (a worker that called
 * setsid is still found while its parent lives). Pure: works on a snapshot from listProcesses().
 */
export function descendantsOf(rootPid: number, processes: readonly ProcessInfo[]): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of processes) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const result: ProcessInfo[] = [];
  const seen = new Set<number>([rootPid]);
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

export async function readBootId(procRoot = defaultProcRoot): Promise<string> {
  try {
    return (await readFile(join(procRoot, 'sys/kernel/random/boot_id'), 'utf8')).trim();
  } catch {
    return 'unknown';
  }
}

/** Boot time in ms since the epoch (`btime` in /proc/stat), or undefined without /proc. */
export async function readBootTimeMs(procRoot = defaultProcRoot): Promise<number | undefined> {
  try {
    const m = /^btime\s+(\d+)$/m.exec(await readFile(join(procRoot, 'stat'), 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1000;
  } catch {
    return undefined;
  }
}

/** When a process started, in ms since the epoch (boot time + starttime ticks); to show, not to compare. */
export function processStartMs(startTicks: number, bootTimeMs: number): number {
  return bootTimeMs + (startTicks * 1000) / clockTicksPerSecond;
}

export async function readProcessIdentity(
  pid: number,
  procRoot = defaultProcRoot,
): Promise<ProcessIdentity | undefined> {
  const info = await readProcessInfo(pid, procRoot);
  if (info === undefined || !isRunningState(info.state)) return undefined;
  return { pid, startTicks: info.startTicks, bootId: await readBootId(procRoot) };
}

/** A zombie (Z) or dead (X) entry has ended; only its parent has not reaped it yet. */
export function isRunningState(state: string): boolean {
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/** True when the process this identity names is still running (same pid, same start, same boot). */
export async function isProcessAlive(identity: ProcessIdentity, procRoot = defaultProcRoot): Promise<boolean> {
  const info = await readProcessInfo(identity.pid, procRoot);
  if (info === undefined || !isRunningState(info.state) || info.startTicks !== identity.startTicks) return false;
  return (await readBootId(procRoot)) === identity.bootId;
}
