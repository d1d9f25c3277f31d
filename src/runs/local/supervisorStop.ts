import { processesCarrying } from './runOwnershipProof';
import {
  defaultProcRoot,
  descendantsOf,
  isRunningState,
  listProcesses,
  readProcessInfo,
  type ProcessInfo,
} from './processTree';
import type { ProcessIdentity } from '../model/processIdentity';
import type { StopSignal } from '../model/stopSignal';

export interface StopTreeOptions {
  /** The run's process; it leads the process group `pgid`. */
  root: ProcessIdentity;
  pgid: number;
  /** After SIGINT (Python: KeyboardInterrupt, torchrun: shut down the workers), before SIGTERM. */
  interruptGraceMs: number;
  /** After SIGTERM, before SIGKILL. */
  terminateGraceMs: number;
  /** How long to wait for the tree to vanish after SIGKILL. Default 5 s. */
  killWaitMs?: number;
  pollMs: number;
  procRoot?: string;
  /** Descendants seen earlier (e.g. workers whose parent has already exited). */
  known?: Iterable<Pick<ProcessInfo, 'pid' | 'startTicks'>>;
  /**
   * `TIC_STUDIO_RUN=<id>:<secret>`: processes whose environment holds it are the run's too (workers that left the
   * group and lost their parent before this window saw them), looked for before each signal.
   */
  secretEntry?: string;
  /** Never signalled, with pids ≤ 1: this process and its group. Default: process.pid. */
  ownPid?: number;
  ownPgid?: number;
  kill?: (pid: number, signal: StopSignal | 0) => void;
  /** Told each escalation step right after it is sent (to record it while the run is still ending). */
  onSignal?: (signal: StopSignal, sentSoFar: readonly StopSignal[]) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface StopTreeResult {
  /** In the order sent; empty when nothing was running any more. */
  signalsSent: StopSignal[];
  /** pids still alive after the SIGKILL wait (should never happen: uninterruptible sleep in a driver). */
  survivors: number[];
}

/**
 * Stops a run and everything it started: SIGINT to the process group, then SIGTERM, then SIGKILL, each after a
 * grace period, until no process of the tree is left. SIGTERM and SIGKILL also go to each descendant outside
 * the group (a worker that called setsid, or one orphaned when its parent died), found by walking parent pids
 * in /proc and remembered by (pid, start time) so that a reused pid is never signalled.
 */
export async function stopProcessTree(options: StopTreeOptions): Promise<StopTreeResult> {
  const procRoot = options.procRoot ?? defaultProcRoot;
  const kill = options.kill ?? ((pid: number, signal: StopSignal | 0) => process.kill(pid, signal));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const tracked = new Map<number, number>([[options.root.pid, options.root.startTicks]]);
  for (const p of options.known ?? []) tracked.set(p.pid, p.startTicks);
  const { pgid } = options;
  const ownPid = options.ownPid ?? process.pid;
  const ownPgid = options.ownPgid ?? (await readProcessInfo(ownPid, procRoot))?.pgid;
  const neverSignalled = (target: number) => {
    const pid = Math.abs(target);
    return pid <= 1 || pid === ownPid || pid === ownPgid;
  };
  if (neverSignalled(options.root.pid) || neverSignalled(pgid))
    throw new Error(`refusing to signal process ${options.root.pid} / group ${pgid}: init or TiC Studio itself`);

  const tryKill = (pid: number, signal: StopSignal | 0): boolean => {
    // A last guard below the ownership proof: kill(-1) would signal every process of the user.
    if (neverSignalled(pid)) return false;
    try {
      kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };

  /** The tracked processes still running, after adding new descendants and group members (and secret carriers). */
  const refresh = async (lookForCarriers = false): Promise<ProcessInfo[]> => {
    const carriers =
      lookForCarriers && options.secretEntry !== undefined
        ? new Set(await processesCarrying(options.secretEntry, procRoot))
        : new Set<number>();
    const processes = await listProcesses(procRoot);
    for (const p of processes) if (carriers.has(p.pid) && !tracked.has(p.pid)) tracked.set(p.pid, p.startTicks);
    if (processes.length === 0) {
      // No /proc (macOS): all that can be checked is whether the group still has a member.
      return tryKill(-pgid, 0)
        ? [{ pid: options.root.pid, ppid: 0, pgid, state: 'R', startTicks: options.root.startTicks }]
        : [];
    }
    const byPid = new Map(processes.map((p) => [p.pid, p]));
    const isTracked = (p: ProcessInfo | undefined): p is ProcessInfo =>
      p !== undefined && tracked.get(p.pid) === p.startTicks && isRunningState(p.state);
    const liveRoots = [...tracked.keys()].map((pid) => byPid.get(pid)).filter(isTracked);
    for (const root of liveRoots)
      for (const d of descendantsOf(root.pid, processes)) if (!tracked.has(d.pid)) tracked.set(d.pid, d.startTicks);
    // Group members are the run's too, but only while a tracked member proves the group is still this run's.
    if (liveRoots.some((p) => p.pgid === pgid))
      for (const p of processes) if (p.pgid === pgid && !tracked.has(p.pid)) tracked.set(p.pid, p.startTicks);
    return [...tracked.keys()].map((pid) => byPid.get(pid)).filter(isTracked);
  };

  const send = (signal: StopSignal, alive: readonly ProcessInfo[]) => {
    if (alive.some((p) => p.pgid === pgid)) tryKill(-pgid, signal);
    if (signal === 'SIGINT') return;
    for (const p of alive) if (p.pgid !== pgid) tryKill(p.pid, signal);
  };

  let alive = await refresh(true);
  const signalsSent: StopSignal[] = [];
  if (alive.length === 0) return { signalsSent, survivors: [] };
  const phases: Array<[StopSignal, number]> = [
    ['SIGINT', options.interruptGraceMs],
    ['SIGTERM', options.terminateGraceMs],
    ['SIGKILL', options.killWaitMs ?? 5000],
  ];
  for (const [signal, graceMs] of phases) {
    if (signal !== 'SIGINT') alive = await refresh(true);
    send(signal, alive);
    signalsSent.push(signal);
    options.onSignal?.(signal, [...signalsSent]);
    const deadline = now() + graceMs;
    do {
      await sleep(Math.max(1, Math.min(options.pollMs, deadline - now())));
      alive = await refresh();
      if (alive.length === 0) return { signalsSent, survivors: [] };
    } while (now() < deadline);
  }
  return { signalsSent, survivors: alive.map((p) => p.pid) };
}
