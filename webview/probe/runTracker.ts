/**
 * Which run the panel is waiting for. Request ids start from the clock, so ids of a reloaded panel never collide
 * with those of an earlier one whose late answers may still arrive; progress and results of any other id are
 * ignored. Cancelling stops waiting at once (the host may or may not answer a cancelled run).
 */
export class RunTracker {
  private next: number;

  constructor(
    private current: number | null,
    now: number,
  ) {
    this.next = Math.max(Math.floor(now), (current ?? 0) + 1);
  }

  get running(): number | null {
    return this.current;
  }

  start(): number {
    this.current = this.next++;
    return this.current;
  }

  /** Whether a progress, result or error for `requestId` belongs to the run in flight. */
  accepts(requestId: number | null): boolean {
    return requestId !== null && requestId === this.current;
  }

  /** The run ended (result, error or cancel); returns its id, or null if none was in flight. */
  finish(): number | null {
    const id = this.current;
    this.current = null;
    return id;
  }
}
