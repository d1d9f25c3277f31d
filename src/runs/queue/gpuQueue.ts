import type { RunRecord } from '../model/runRecord';
import type { RunPlan } from '../model/runPlan';

/** Why the queue refused or dropped a request (ARCHITECTURE.md rule 4). */
export type GpuQueueErrorReason =
  /** The request was cancelled while it waited; it never started. */
  | 'cancelled'
  /** A GPU index that is not a non-negative integer. */
  | 'invalidGpus';

export class GpuQueueError extends Error {
  override readonly name = 'GpuQueueError';

  constructor(
    readonly reason: GpuQueueErrorReason,
    message: string,
    readonly ticket?: string,
  ) {
    super(message);
  }
}

/** What the queue needs from a Supervisor (passed in, so it can run on any starter: rule 2). */
export interface GpuQueueDeps {
  start(plan: RunPlan): Promise<RunRecord>;
  waitForEnd(id: string): Promise<RunRecord>;
}

export interface GpuQueueSubmission {
  /** The queue's ticket (not a run id: the run has no id before it starts). */
  readonly id: string;
  /** Resolves with the record once the run's process exists; rejects if it could not start or was cancelled. */
  readonly started: Promise<RunRecord>;
  /** Resolves with the final record once the run ended and its GPUs were released. */
  readonly ended: Promise<RunRecord>;
}

export interface QueuedRun {
  readonly ticket: string;
  readonly label: string;
  readonly gpus: readonly number[];
  /** The plan's output folder (train: the experiment folder it will create), for matching it to a chain step. */
  readonly outputDir: string | null;
}

interface Entry {
  readonly ticket: string;
  readonly plan: RunPlan;
  readonly gpus: readonly number[];
  resolveStarted(record: RunRecord): void;
  rejectStarted(error: unknown): void;
  resolveEnded(record: RunRecord): void;
  rejectEnded(error: unknown): void;
}

/**
 * Runs that ask for GPU indices wait while another run started through this queue holds any of them; a run's GPUs
 * are released when it ends (whatever its status), and the queue advances.
 *
 * Ordering rule: a waiting request starts as soon as all its GPUs are free AND no earlier waiting request asks for
 * any of the same GPUs. So requests on disjoint GPUs overtake each other (an idle GPU is never kept idle for an
 * unrelated request), while requests that overlap are served strictly first come, first served: a wide request
 * ([0,1]) is not starved by a stream of narrow ones ([1], [1], …) arriving after it. An empty GPU list (CPU, a
 * simulated run) never waits and holds nothing.
 *
 * Only runs started through this queue are known: GPUs used by other processes, windows or users are not seen.
 */
export class GpuQueue {
  private readonly waiting: Entry[] = [];
  /** GPU index → the ticket of the run holding it. */
  private readonly busy = new Map<number, string>();
  private readonly listeners = new Set<() => void>();
  private nextTicket = 1;

  constructor(private readonly deps: GpuQueueDeps) {}

  /** Queues a plan for the given GPUs; it starts now if it may (see the class comment for the rule). */
  submit(plan: RunPlan, gpus: readonly number[]): GpuQueueSubmission {
    const bad = gpus.find((g) => !Number.isInteger(g) || g < 0);
    if (bad !== undefined) throw new GpuQueueError('invalidGpus', `not a GPU index: ${String(bad)}`);
    const ticket = `gpu-q-${this.nextTicket++}`;
    const started = deferred<RunRecord>();
    const ended = deferred<RunRecord>();
    const entry: Entry = {
      ticket,
      plan,
      gpus: [...new Set(gpus)].sort((a, b) => a - b),
      resolveStarted: started.resolve,
      rejectStarted: started.reject,
      resolveEnded: ended.resolve,
      rejectEnded: ended.reject,
    };
    // A caller may await only one of the two; the other's rejection must not crash Node as "unhandled".
    started.promise.catch(() => undefined);
    ended.promise.catch(() => undefined);
    if (entry.gpus.length === 0) this.launch(entry);
    else {
      this.waiting.push(entry);
      this.pump();
    }
    this.emit();
    return { id: ticket, started: started.promise, ended: ended.promise };
  }

  /**
   * Drops a waiting request: its promises reject with GpuQueueError `cancelled`. Returns false when the ticket is
   * not waiting (unknown, or already started: stop that run through the supervisor instead).
   */
  cancel(ticket: string): boolean {
    const index = this.waiting.findIndex((e) => e.ticket === ticket);
    if (index < 0) return false;
    const [entry] = this.waiting.splice(index, 1);
    if (entry === undefined) return false;
    const error = new GpuQueueError('cancelled', `${entry.plan.label} was cancelled before it started`, ticket);
    entry.rejectStarted(error);
    entry.rejectEnded(error);
    // Its place in line may have blocked later requests.
    this.pump();
    this.emit();
    return true;
  }

  /** The requests still waiting, in order. */
  queued(): readonly QueuedRun[] {
    return this.waiting.map((e) => ({
      ticket: e.ticket,
      label: e.plan.label,
      gpus: e.gpus,
      outputDir: e.plan.outputDir ?? null,
    }));
  }

  /** GPU index → ticket of the run holding it. */
  held(): ReadonlyMap<number, string> {
    return new Map(this.busy);
  }

  /** Called after anything changed: a request queued, started, ended or was cancelled. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private pump(): void {
    // GPUs asked for by earlier waiting requests: later overlapping ones must not overtake them.
    const claimed = new Set<number>();
    for (const entry of [...this.waiting]) {
      const free = entry.gpus.every((g) => !this.busy.has(g) && !claimed.has(g));
      if (free) {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        this.launch(entry);
      } else for (const g of entry.gpus) claimed.add(g);
    }
  }

  private launch(entry: Entry): void {
    // Held synchronously, before start() resolves, so a submit in between cannot take the same GPUs.
    for (const g of entry.gpus) this.busy.set(g, entry.ticket);
    // Through a promise so a starter that throws synchronously still releases the GPUs.
    void Promise.resolve()
      .then(() => this.deps.start(entry.plan))
      .then(
        (record) => {
          entry.resolveStarted(record);
          this.emit();
          void this.deps.waitForEnd(record.id).then(
            (final) => this.finish(entry, () => entry.resolveEnded(final)),
            (error: unknown) => this.finish(entry, () => entry.rejectEnded(error)),
          );
        },
        (error: unknown) => {
          entry.rejectStarted(error);
          this.finish(entry, () => entry.rejectEnded(error));
        },
      );
  }

  private finish(entry: Entry, settle: () => void): void {
    for (const g of entry.gpus) if (this.busy.get(g) === entry.ticket) this.busy.delete(g);
    // Released before `ended` settles, so a caller that submits on `ended` finds the GPUs free.
    settle();
    this.pump();
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's bug must not stall the queue.
      }
    }
  }
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
