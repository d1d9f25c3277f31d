import type { LossQuery, LossSeriesWire } from '../protocol/dashboardMessages';
import type { Workspace } from '../workspace/workspaceScan';
import { LiveStitch } from '../results/liveStitch';
import { paramInt } from '../formats/paramsText';
import { StepSeriesFollower, type StepSeriesOptions } from '../formats/stepSeries';
import { SeriesCache, type SeriesCacheOutcome } from '../formats/seriesCache/seriesCache';

/** The out.logs of a chain's steps, in step order (years, or months), and what an optimizer step trains on. */
export interface LossChainInput {
  readonly key: string;
  readonly steps: readonly { readonly year: number; readonly outLog: string; readonly samplesPerOptStep?: number }[];
}

/**
 * The chains asked for, yearly or monthly (a monthly chain's steps are months, stitched like years), with each
 * step's out.log (steps without one are left out). Unknown keys are skipped.
 */
export function lossChainInputs(workspace: Workspace | undefined, keys: readonly string[]): LossChainInput[] {
  const experiments = new Map((workspace?.experiments ?? []).map((e) => [e.dir, e]));
  const chains = new Map([...(workspace?.chains ?? []), ...(workspace?.monthlyChains ?? [])].map((c) => [c.key, c]));
  return keys.flatMap((key) => {
    const chain = chains.get(key);
    if (!chain) return [];
    const steps = chain.steps.flatMap((step) => {
      const exp = step.experiment === null ? undefined : experiments.get(step.experiment);
      if (!exp?.files.outLog) return [];
      // batch_size is per GPU (contracts §1.3): an optimizer step trains batch × accum_freq × world_size samples.
      const batch = exp.params ? paramInt(exp.params, 'batch_size') : null;
      const accum = (exp.params ? paramInt(exp.params, 'accum_freq') : null) ?? 1;
      const world = exp.worldSize;
      const samplesPerOptStep = batch && world ? batch * accum * world : undefined;
      return [{ year: step.year, outLog: exp.files.outLog.path, ...(samplesPerOptStep ? { samplesPerOptStep } : {}) }];
    });
    return [{ key, steps }];
  });
}

interface Followed {
  /** Set by the first read (from the series cache, or a fresh follower). */
  follower: StepSeriesFollower | null;
  /** Reads of one file (and the copy a cache write takes) run one after the other. */
  queue: Promise<unknown>;
  /** Parsed since the cache entry was last written. */
  dirty: boolean;
  savedAt: number;
}

export interface LossStoreOptions {
  /**
   * Where parsed series are kept between windows (and shared with the CLI): default the per-user SeriesCache
   * (`$XDG_CACHE_HOME/tic-studio/series`); null parses every log.
   */
  readonly cache?: SeriesCache | null;
  /** A live log's entry is written again at most this often (default 60 s); `persist()` writes what is left. */
  readonly saveEveryMs?: number;
}

/** What the store's reads cost, for the bench and the tests: bytes the log parser was given, and the cache's say. */
export interface LossStoreStats {
  /** Bytes of out.log given to the log parser, all logs, all reads. */
  parsedBytes: number;
  /** First reads of a log by what the cache had for it (see SeriesCacheOutcome); `miss` also counts no cache. */
  readonly opened: Record<SeriesCacheOutcome, number>;
}

/**
 * The parsed training curves of the workspace, kept in the extension host between requests: each out.log is read
 * once and then only its new bytes (StepSeriesFollower), so zooming or a live run's new lines cost a downsampling,
 * not a re-parse. Stitched chains are kept per (chain, axis, field) and extended by what a live step appended.
 *
 * The first read of a log goes through the series cache: a log unchanged since a window (or the CLI) last parsed it
 * is not parsed at all, one that grew only from where that parse stopped. What a read parsed is written back to the
 * cache in the background (right after a first read, then at most every `saveEveryMs` for a live log).
 */
export class LossStore {
  private readonly followed = new Map<string, Followed>();
  private readonly stitched = new Map<string, LiveStitch>();
  private readonly cache: SeriesCache | null;
  private readonly saveEveryMs: number;
  private readonly saving = new Set<Promise<unknown>>();
  readonly stats: LossStoreStats = { parsedBytes: 0, opened: { hit: 0, tail: 0, miss: 0, corrupt: 0 } };

  constructor(options: LossStoreOptions = {}) {
    this.cache = options.cache === undefined ? new SeriesCache() : options.cache;
    this.saveEveryMs = options.saveEveryMs ?? 60_000;
  }

  /** Reads what was appended to these logs (those already followed); returns the ones that changed. */
  async refresh(paths: readonly string[]): Promise<string[]> {
    const changed = await Promise.all(
      paths.map(async (path) => {
        const entry = this.followed.get(path);
        if (!entry) return null;
        const result = await this.poll(entry);
        return result.steps > 0 || result.restarted ? path : null;
      }),
    );
    return changed.filter((p): p is string => p !== null);
  }

  /** The series of the chains for one view of the chart: stitched, smoothed over the whole chain, downsampled. */
  async query(chains: readonly LossChainInput[], query: Omit<LossQuery, 'chains'>): Promise<LossSeriesWire[]> {
    return Promise.all(chains.map((chain) => this.chainSeries(chain, query)));
  }

  /**
   * The same series one chain after another, in the order given, each as soon as it is ready: the first chain of
   * a view whose logs are still to be parsed does not wait for the others' (they would share the one thread).
   */
  async *stream(
    chains: readonly LossChainInput[],
    query: Omit<LossQuery, 'chains'>,
  ): AsyncGenerator<LossSeriesWire, void, undefined> {
    for (const chain of chains) yield await this.chainSeries(chain, query);
  }

  private async chainSeries(chain: LossChainInput, query: Omit<LossQuery, 'chains'>): Promise<LossSeriesWire> {
    const steps = await Promise.all(
      chain.steps.map(async (step) => ({ year: step.year, series: await this.series(step.outLog, step) })),
    );
    const cacheKey = `${chain.key}\u0000${query.axis}\u0000${query.field}`;
    let stitch = this.stitched.get(cacheKey);
    if (!stitch) {
      stitch = new LiveStitch(query.axis, query.field);
      this.stitched.set(cacheKey, stitch);
    }
    stitch.update(steps);
    return { chain: chain.key, ...stitch.view(query) };
  }

  /** Writes every log parsed since its cache entry was written, and waits for the writes under way. */
  async persist(): Promise<void> {
    for (const entry of this.followed.values()) {
      entry.queue = entry.queue
        .catch(() => undefined)
        .then(() => {
          if (entry.dirty) this.save(entry);
        });
      await entry.queue;
    }
    while (this.saving.size > 0) await Promise.all([...this.saving]);
  }

  private async series(path: string, options: { samplesPerOptStep?: number }) {
    let entry = this.followed.get(path);
    if (!entry) {
      const created: Followed = { follower: null, queue: Promise.resolve(), dirty: false, savedAt: 0 };
      entry = created;
      this.followed.set(path, created);
      const followerOptions = options.samplesPerOptStep ? { samplesPerOptStep: options.samplesPerOptStep } : {};
      const opening = this.open(path, followerOptions).then((follower) => {
        created.follower = follower;
      });
      created.queue = opening;
      try {
        await opening;
      } catch (error) {
        // Bad options: the next query tries again (and fails the same way).
        this.followed.delete(path);
        throw error;
      }
      await this.poll(created, true);
    } else {
      await entry.queue;
    }
    return entry.follower!.series;
  }

  /** A follower of the log that starts where the series cache's entry for it stopped (or at its first byte). */
  private async open(path: string, options: StepSeriesOptions): Promise<StepSeriesFollower> {
    if (!this.cache) {
      this.stats.opened.miss++;
      return new StepSeriesFollower(path, options);
    }
    const { follower, outcome } = await this.cache.open(path, options);
    this.stats.opened[outcome]++;
    return follower;
  }

  private poll(entry: Followed, first = false): Promise<{ steps: number; restarted: boolean }> {
    const read = async () => {
      const follower = entry.follower;
      if (!follower) throw new Error('the log could not be opened');
      const before = follower.parsedBytes;
      try {
        return await follower.poll();
      } finally {
        const parsed = follower.parsedBytes - before;
        this.stats.parsedBytes += parsed;
        if (parsed > 0) entry.dirty = true;
        // Right after the read (the columns are copied before anything else can poll).
        if (entry.dirty && (first || Date.now() - entry.savedAt >= this.saveEveryMs)) this.save(entry);
      }
    };
    const next = entry.queue.then(
      () => read().catch(() => ({ bytes: 0, steps: 0, restarted: false })),
      () => read(),
    );
    entry.queue = next.catch(() => undefined);
    return next;
  }

  /** Starts a cache write of the entry's follower (the columns copied now); tracked until it ends. */
  private save(entry: Followed): void {
    if (!this.cache || !entry.follower) return;
    entry.dirty = false;
    entry.savedAt = Date.now();
    const saving = this.cache.save(entry.follower).then((saved) => {
      if (!saved) entry.dirty = true;
    });
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
  }

  /** Forgets logs no longer in the workspace. */
  retain(paths: ReadonlySet<string>): void {
    for (const path of this.followed.keys()) if (!paths.has(path)) this.followed.delete(path);
  }
}
