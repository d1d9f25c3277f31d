import { stat } from 'node:fs/promises';
import type { RunRecord } from './model/runRecord';
import { LogFollower } from './supervisorLogFollower';

export type RunLogSource = 'console' | 'outLog';

export interface RunLogListener {
  /** Raw text as it arrives: `console` is the run's stdout + stderr, `outLog` open_clip's out.log. */
  onChunk?(text: string, source: RunLogSource): void;
  /** Each complete line. */
  onLine?(line: string, source: RunLogSource): void;
  /** The run has ended and both logs were read to their end. */
  onEnd?(record: RunRecord): void;
}

/**
 * Follows a run's console log and (train) its out.log from this run's first byte (`from: 'start'`) or from now on
 * (`'end'`), until `waitForEnd` resolves; then reads both to their end and calls onEnd. The same for every
 * scheduler: a local run's wrapper and a Slurm job both write the console log to `record.logPath`.
 */
export function followRunLogs(
  record: RunRecord,
  waitForEnd: () => Promise<RunRecord>,
  listener: RunLogListener,
  options: { from?: 'start' | 'end'; pollMs: number },
): { dispose(): void } {
  let disposed = false;
  const followers: LogFollower[] = [];
  const add = async (path: string, source: RunLogSource, startOffset: number) => {
    const fromOffset =
      options.from === 'end'
        ? await stat(path).then(
            (s) => s.size,
            () => 0,
          )
        : startOffset;
    const follower = new LogFollower({
      path,
      fromOffset,
      pollMs: options.pollMs,
      onChunk: (text) => listener.onChunk?.(text, source),
      onLine: (line) => listener.onLine?.(line, source),
    });
    if (disposed) return;
    followers.push(follower);
    follower.start();
  };
  const run = async () => {
    await add(record.logPath, 'console', 0);
    if (record.outLogPath !== undefined) await add(record.outLogPath, 'outLog', record.outLogOffset ?? 0);
    const final = await waitForEnd();
    if (disposed) return;
    for (const f of followers) {
      await f.drain();
      f.flush();
      f.dispose();
    }
    if (!disposed) listener.onEnd?.(final);
  };
  void run().catch(() => undefined);
  return {
    dispose: () => {
      disposed = true;
      for (const f of followers) f.dispose();
    },
  };
}

/** followRunLogs for a run whose record is still being read (a scheduler's follow(id)); a missing run follows nothing. */
export function followRunWhenRead(
  record: Promise<RunRecord>,
  waitForEnd: () => Promise<RunRecord>,
  listener: RunLogListener,
  options: { from?: 'start' | 'end'; pollMs: number },
): { dispose(): void } {
  let inner: { dispose(): void } | undefined;
  let disposed = false;
  void record.then(
    (r) => {
      if (!disposed) inner = followRunLogs(r, waitForEnd, listener, options);
    },
    () => undefined,
  );
  return {
    dispose: () => {
      disposed = true;
      inner?.dispose();
    },
  };
}
