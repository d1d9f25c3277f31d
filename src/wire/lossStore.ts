import type { LossQuery, LossSeriesWire } from '../protocol/dashboardMessages';
import type { Workspace } from '../workspace/workspaceScan';
import { LiveStitch } from '../results/liveStitch';
import { paramInt } from '../formats/paramsText';
import { StepSeriesFollower } from '../formats/stepSeries';

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
  readonly follower: StepSeriesFollower;
  /** Polls of one file run one after the other. */
  queue: Promise<unknown>;
}

/**
 * The parsed training curves of the workspace, kept in the extension host between requests: each out.log is read
 * once and then only its new bytes (StepSeriesFollower), so zooming or a live run's new lines cost a downsampling,
 * not a re-parse. Stitched chains are kept per (chain, axis, field) and extended by what a live step appended.
 */
export class LossStore {
  private readonly followed = new Map<string, Followed>();
  private readonly stitched = new Map<string, LiveStitch>();

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
    return Promise.all(
      chains.map(async (chain) => {
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
        const view = stitch.view(query);
        return { chain: chain.key, ...view };
      }),
    );
  }

  private async series(path: string, options: { samplesPerOptStep?: number }) {
    let entry = this.followed.get(path);
    if (!entry) {
      entry = {
        follower: new StepSeriesFollower(
          path,
          options.samplesPerOptStep ? { samplesPerOptStep: options.samplesPerOptStep } : {},
        ),
        queue: Promise.resolve(),
      };
      this.followed.set(path, entry);
      await this.poll(entry);
    } else {
      await entry.queue;
    }
    return entry.follower.series;
  }

  private poll(entry: Followed): Promise<{ steps: number; restarted: boolean }> {
    const next = entry.queue.then(
      () => entry.follower.poll().catch(() => ({ bytes: 0, steps: 0, restarted: false })),
      () => entry.follower.poll(),
    );
    entry.queue = next.catch(() => undefined);
    return next;
  }

  /** Forgets logs no longer in the workspace. */
  retain(paths: ReadonlySet<string>): void {
    for (const path of this.followed.keys()) if (!paths.has(path)) this.followed.delete(path);
  }
}
