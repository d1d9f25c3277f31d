import { isJsonObject, parsePythonJson } from './pythonJson';
import { parseTicTaskKey, type TicTaskKey } from '../tic/ticTaskKey';

/**
 * datacomp evaluate.py's `{output_dir}/eval_results.jsonl` (contracts §3.3): one
 * `{"key": …, "dataset": …, "metrics": {…}}` line per finished task, appended as the run goes, so a file being
 * written (or cut by a crash) can end in half a line. That tail is reported as `truncatedTail`, not as a problem.
 */
export interface EvalResultsFile {
  readonly records: readonly EvalRecord[];
  readonly problems: readonly EvalResultsProblem[];
  /** The last line had no newline and was not valid JSON: evaluate.py is (or was) in the middle of writing it. */
  readonly truncatedTail: boolean;
}

export interface EvalRecord {
  /** 1-based line. */
  readonly line: number;
  /** Task key from tasklist.yml, e.g. `tic/datacomp/retrieval/yearly/2014`. */
  readonly key: string;
  /** Task name, e.g. `TiC-DataComp-Retrieval-Yearly-2014` (evaluate.py's result cache is keyed by it, §3.2). */
  readonly dataset: string;
  /** Numeric metrics; `null` where Python wrote None (acc5 with < 5 classes) — NaN/Infinity kept as numbers. */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** `metrics.main_metric` (mean_recall@1 for TiC retrieval, acc1 for DataCompNet), null if absent or None. */
  readonly mainMetric: number | null;
  /** Metric names whose values were not numbers (some stock DataComp tasks nest them); left out of `metrics`. */
  readonly skippedMetrics: readonly string[];
  /** The parsed TiC key, or null for stock DataComp tasks. */
  readonly task: TicTaskKey | null;
}

export interface EvalResultsProblem {
  readonly reason: 'invalidJson' | 'notARecord';
  readonly line: number;
  readonly message: string;
}

export function parseEvalResultsJsonl(text: string): EvalResultsFile {
  const records: EvalRecord[] = [];
  const problems: EvalResultsProblem[] = [];
  let truncatedTail = false;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const isLast = index === lines.length - 1;
    const parsed = parsePythonJson(line);
    if (!parsed.ok) {
      if (isLast) truncatedTail = true;
      else problems.push({ reason: 'invalidJson', line: index + 1, message: parsed.message });
      return;
    }
    const record = toRecord(parsed.value, index + 1);
    if (typeof record === 'string') problems.push({ reason: 'notARecord', line: index + 1, message: record });
    else records.push(record);
  });
  return { records, problems, truncatedTail };
}

/** One record per key: the last one written wins (a task evaluated twice into the same dir). */
export function latestEvalRecords(records: readonly EvalRecord[]): EvalRecord[] {
  const byKey = new Map<string, EvalRecord>();
  for (const record of records) {
    byKey.delete(record.key);
    byKey.set(record.key, record);
  }
  return [...byKey.values()];
}

function toRecord(value: unknown, line: number): EvalRecord | string {
  if (!isJsonObject(value)) return 'the line is not a JSON object';
  const { key, dataset, metrics } = value;
  if (typeof key !== 'string') return 'no string "key"';
  if (typeof dataset !== 'string') return 'no string "dataset"';
  if (!isJsonObject(metrics)) return 'no "metrics" object';
  const numeric: Record<string, number | null> = {};
  const skippedMetrics: string[] = [];
  for (const [name, v] of Object.entries(metrics)) {
    if (typeof v === 'number' || v === null) numeric[name] = v;
    else skippedMetrics.push(name);
  }
  const main = numeric['main_metric'];
  return {
    line,
    key,
    dataset,
    metrics: numeric,
    mainMetric: typeof main === 'number' ? main : null,
    skippedMetrics,
    task: parseTicTaskKey(key),
  };
}
