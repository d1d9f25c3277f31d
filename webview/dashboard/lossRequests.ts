import {
  lossSeriesFromBinary,
  sameLossView,
  type LossQuery,
  type LossSeriesBinary,
  type LossSeriesWire,
  type LossView,
} from '../../src/protocol/dashboardMessages';

export interface SentLossRequest extends LossQuery {
  requestId: number;
}

/** A reply is accepted when it answers the request in flight. */
export interface AcceptedReply {
  query: SentLossRequest;
  /** When the request was sent (the clock given to the constructor). */
  sentAt: number;
  /** A newer view is waiting to be requested: the reply is already stale. */
  superseded: boolean;
}

/**
 * Loss requests with at most one in flight and one pending: a new view while a request is out replaces the
 * pending one, and the pending one goes out when the reply comes (or when the one in flight is given up on), so
 * dragging the smoothing slider or a burst of live updates never queues dozens of requests on the host.
 * Replies to anything but the request in flight are ignored.
 */
export class LossRequests {
  private nextId = 1;
  private inFlight: { query: SentLossRequest; sentAt: number } | null = null;
  private pending: LossQuery | null = null;

  constructor(
    private readonly send: (request: SentLossRequest) => void,
    private readonly now: () => number,
    /** A request unanswered this long is given up on (the host may have dropped it). */
    private readonly timeoutMs = 15_000,
  ) {}

  /** The id of the latest request sent (0 before the first). */
  get latestId(): number {
    return this.nextId - 1;
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  get hasPending(): boolean {
    return this.pending !== null;
  }

  request(query: LossQuery): void {
    this.expire();
    if (this.inFlight) {
      this.pending = query;
      return;
    }
    this.dispatch(query);
  }

  /**
   * Call with the requestId of a partial reply (more will follow): the request in flight it belongs to, which stays
   * in flight; null when it is to be ignored.
   */
  part(requestId: number): { query: SentLossRequest; sentAt: number } | null {
    const current = this.inFlight;
    return current && current.query.requestId === requestId ? current : null;
  }

  /** Call with a (last) reply's requestId; returns the request it answers, or null when it is to be ignored. */
  reply(requestId: number): AcceptedReply | null {
    const current = this.inFlight;
    if (!current || current.query.requestId !== requestId) return null;
    this.inFlight = null;
    const superseded = this.pending !== null;
    if (this.pending) {
      const next = this.pending;
      this.pending = null;
      this.dispatch(next);
    }
    return { query: current.query, sentAt: current.sentAt, superseded };
  }

  /**
   * Gives up on a request in flight for longer than the timeout (its reply will be ignored) and sends the
   * pending one, if any. Call it from a timer; returns whether it gave up on one.
   */
  expire(): boolean {
    if (!this.inFlight || this.now() - this.inFlight.sentAt <= this.timeoutMs) return false;
    this.inFlight = null;
    if (this.pending) {
      const next = this.pending;
      this.pending = null;
      this.dispatch(next);
    }
    return true;
  }

  private dispatch(query: LossQuery): void {
    const sent: SentLossRequest = { ...query, requestId: this.nextId++ };
    this.inFlight = { query: sent, sentAt: this.now() };
    this.send(sent);
  }
}

/**
 * The series shown after a live push (`lossesLive`): the pushed chains' series replace theirs (in place; a chain
 * the data lacked goes last). Null when the push does not apply: it was computed for another view than the one
 * `series` answers (`query`), or names none of its chains.
 */
export function mergeLiveSeries(
  series: readonly LossSeriesWire[],
  query: LossQuery,
  push: { view: LossView; series: readonly LossSeriesBinary[] },
): LossSeriesWire[] | null {
  if (!sameLossView(query, push.view)) return null;
  const fresh = new Map(
    push.series.filter((s) => query.chains.includes(s.chain)).map((s) => [s.chain, lossSeriesFromBinary(s)]),
  );
  if (fresh.size === 0) return null;
  const merged = series.map((s) => fresh.get(s.chain) ?? s);
  for (const [chain, s] of fresh) if (!series.some((d) => d.chain === chain)) merged.push(s);
  return merged;
}
