/** What a download reports while it runs (the CLI prints it; the extension feeds withProgress). */
export interface DownloadProgress {
  /**
   * waiting: another process holds the blob's lock (bytesDone is its partial file's size);
   * verifying: hashing the bytes of a partial file before resuming; downloading; done.
   */
  phase: 'waiting' | 'verifying' | 'downloading' | 'done';
  repo: string;
  path: string;
  bytesDone: number;
  total: number;
  /** Over the last few seconds of this phase; 0 until there are two samples. */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined while the rate is unknown. */
  etaSeconds: number | undefined;
}

export type ProgressListener = (progress: DownloadProgress) => void;

/**
 * Calls the listener at most once per `intervalMs` (and always on a phase change and at the end), with a rate
 * measured over a sliding window so a stall shows quickly and a burst does not dominate.
 */
export class ProgressThrottle {
  #lastEmit = -Infinity;
  #phase: DownloadProgress['phase'] | undefined;
  #samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly where: { repo: string; path: string },
    private readonly options: { intervalMs: number; now: () => number; windowMs?: number },
  ) {}

  update(phase: DownloadProgress['phase'], bytesDone: number, total: number, force = false): void {
    if (!this.listener) return;
    const at = this.options.now();
    const changed = phase !== this.#phase;
    if (changed) {
      this.#phase = phase;
      this.#samples = [];
    }
    const samples = this.#samples;
    // One sample per 100 ms is plenty for a rate and keeps the window short at a million updates a minute.
    if (samples.length === 0 || at - samples[samples.length - 1]!.at >= 100 || changed || force)
      samples.push({ at, bytes: bytesDone });
    const windowMs = this.options.windowMs ?? 5000;
    while (samples.length > 2 && at - samples[1]!.at >= windowMs) samples.shift();
    if (!changed && !force && at - this.#lastEmit < this.options.intervalMs) return;
    this.#lastEmit = at;
    const first = samples[0]!;
    const seconds = (at - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? Math.max(0, (bytesDone - first.bytes) / seconds) : 0;
    const etaSeconds = bytesPerSecond > 0 ? Math.max(0, (total - bytesDone) / bytesPerSecond) : undefined;
    this.listener({ phase, ...this.where, bytesDone, total, bytesPerSecond, etaSeconds });
  }
}
