import type { RunRecord } from './model/runRecord';
import { isFinalStatus } from './model/runRecord';

/**
 * What a scheduler tells about its runs, the same for the local supervisor and Slurm: every record it writes
 * (onDidChangeRun) and, once, each run's final record (ended / settle).
 */
export class RunEvents {
  private readonly waiters = new Map<string, Array<(record: RunRecord) => void>>();
  private readonly listeners = new Set<(record: RunRecord) => void>();

  onDidChangeRun(listener: (record: RunRecord) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(record: RunRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A listener's bug must not break supervision.
      }
    }
  }

  /** Resolves with the run's final record when settle() sees it. */
  ended(id: string): Promise<RunRecord> {
    return new Promise<RunRecord>((resolve) => {
      const list = this.waiters.get(id);
      if (list) list.push(resolve);
      else this.waiters.set(id, [resolve]);
    });
  }

  /** Hands a final record to the run's waiters; returns false (and does nothing) for a record still going. */
  settle(record: RunRecord): boolean {
    if (!isFinalStatus(record.status)) return false;
    const waiting = this.waiters.get(record.id);
    this.waiters.delete(record.id);
    for (const resolve of waiting ?? []) resolve(record);
    return true;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
