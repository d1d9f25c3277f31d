import { parseLogFile } from '../formats/logFile';
import { LogSummaryBuilder, type LogSummary } from '../formats/logSummary';
import { SummaryCache } from '../formats/seriesCache/summaryCache';
import type { Chain } from '../workspace/chains';
import type { Workspace } from '../workspace/workspaceScan';

export interface ReadChainLogsOptions {
  readonly signal?: AbortSignal;
  /**
   * Summaries already read or being read, by experiment dir: chains that share steps (a fork's inherited steps, the
   * shared 2016 step) read each log once when they pass the same map.
   */
  readonly cache?: Map<string, Promise<LogSummary | null>>;
  /**
   * Where whole-log summaries are kept between windows and CLI runs: default the per-user SummaryCache (an
   * unchanged log is not parsed again); null parses every log.
   */
  readonly summaries?: SummaryCache | null;
}

let sharedSummaries: SummaryCache | undefined;

/** The per-user summary cache every reader shares (made at its first use, with the environment of then). */
export function sharedSummaryCache(): SummaryCache {
  return (sharedSummaries ??= new SummaryCache());
}

/**
 * The summary of the **whole** out.log of each step of the chain that has an experiment (its own, inherited and
 * shared steps; published and missing steps have no log), by experiment dir. The scan reads only a log's tail
 * (contracts §1.5: out.log is appended on every start); compute accounting needs every start. Logs are read one
 * after another in constant memory (src/formats/logFile.ts). A step without out.log, or one that cannot be read
 * (not a regular file, gone, unreadable), is null: never a throw. Only an abort through `signal` rejects. A log
 * that has not changed since it was last read (by any window or CLI run) is not parsed: its summary comes from the
 * summary cache (src/formats/seriesCache/summaryCache.ts).
 */
export async function readChainLogs(
  chain: Chain,
  workspace: Workspace,
  options: ReadChainLogsOptions = {},
): Promise<Map<string, LogSummary | null>> {
  const byDir = new Map(workspace.experiments.map((e) => [e.dir, e]));
  const summaries = options.summaries === undefined ? sharedSummaryCache() : options.summaries;
  const out = new Map<string, LogSummary | null>();
  for (const step of chain.steps) {
    if (step.experiment === null || out.has(step.experiment)) continue;
    options.signal?.throwIfAborted();
    const path = byDir.get(step.experiment)?.files.outLog?.path ?? null;
    let pending = options.cache?.get(step.experiment);
    if (pending === undefined) {
      pending = path === null ? Promise.resolve(null) : readWholeLog(path, summaries, options.signal);
      options.cache?.set(step.experiment, pending);
    }
    out.set(step.experiment, await pending);
  }
  return out;
}

async function readWholeLog(
  path: string,
  summaries: SummaryCache | null,
  signal: AbortSignal | undefined,
): Promise<LogSummary | null> {
  try {
    if (summaries !== null) return (await summaries.read(path, { signal })).summary;
    const summary = new LogSummaryBuilder();
    await parseLogFile(path, summary.add, { signal });
    return summary.result();
  } catch (error) {
    if (signal?.aborted) throw error;
    return null;
  }
}
