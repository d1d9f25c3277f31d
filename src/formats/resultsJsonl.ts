import type { EvalMetricsEvent } from './logEvents';
import { isJsonObject, parsePythonJson } from './pythonJson';

/**
 * OpenCLIP's `checkpoints/results.jsonl` (contracts §2.4): one `json.dumps(metrics)` line per evaluated epoch, with
 * datacomp only `{"imagenet-zeroshot-val-top1": f, "imagenet-zeroshot-val-top5": f}` (fractions, not percent) and
 * **no epoch key** (§7.5). Epochs are recovered, in this order of preference:
 *   1. an `epoch` key in the row (written only with --val-data);
 *   2. the `Eval Epoch: N` lines of out.log, paired in order with the rows whose values they print (rounded to 4
 *      decimals, §2.3): both files are appended to in the same order, also across restarts;
 *   3. the zero-shot rule `epoch % zeroshot_frequency == 0 or epoch == epochs` (defaults 2 and 5: epochs 2, 4, 5).
 */
export interface ResultsRow {
  readonly line: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** 1-based completed epoch, or null when no rule could place the row. */
  readonly epoch: number | null;
  readonly epochSource: 'row' | 'log' | 'zeroshotRule' | 'unknown';
}

export interface ResultsFile {
  readonly rows: readonly ResultsRow[];
  readonly problems: readonly { readonly line: number; readonly message: string }[];
  readonly truncatedTail: boolean;
}

export interface ResultsEpochHints {
  /** `Eval Epoch` lines from out.log (the parser's evalMetrics events), in log order. */
  readonly evalEvents?: readonly EvalMetricsEvent[];
  /** params.txt `epochs` (datacomp passes --num_checkpoints, default 5). */
  readonly epochs?: number;
  /** params.txt `zeroshot_frequency` (OpenCLIP default 2; datacomp never sets it, §1.3). */
  readonly zeroshotFrequency?: number;
}

export function parseResultsJsonl(text: string, hints: ResultsEpochHints = {}): ResultsFile {
  const parsed: { line: number; metrics: Record<string, number>; epoch: number | null }[] = [];
  const problems: { line: number; message: string }[] = [];
  let truncatedTail = false;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const result = parsePythonJson(line);
    if (!result.ok || !isJsonObject(result.value)) {
      if (index === lines.length - 1 && !result.ok) truncatedTail = true;
      else problems.push({ line: index + 1, message: result.ok ? 'not a JSON object' : result.message });
      return;
    }
    const metrics: Record<string, number> = {};
    let epoch: number | null = null;
    for (const [key, value] of Object.entries(result.value)) {
      if (typeof value !== 'number') continue;
      if (key === 'epoch' && Number.isInteger(value)) epoch = value;
      else metrics[key] = value;
    }
    parsed.push({ line: index + 1, metrics, epoch });
  });
  return { rows: assignEpochs(parsed, hints), problems, truncatedTail };
}

/** The completed epochs after which OpenCLIP runs zero-shot ImageNet (`OC:train.py:evaluate`, §2.4). */
export function zeroShotEpochs(epochs: number, zeroshotFrequency = 2): number[] {
  const out: number[] = [];
  if (!(epochs > 0) || !(zeroshotFrequency > 0)) return out;
  for (let e = 1; e <= epochs; e++) if (e % zeroshotFrequency === 0 || e === epochs) out.push(e);
  return out;
}

function assignEpochs(
  rows: readonly { line: number; metrics: Record<string, number>; epoch: number | null }[],
  hints: ResultsEpochHints,
): ResultsRow[] {
  const out: ResultsRow[] = [];
  const logEvals = (hints.evalEvents ?? []).filter((e) => Object.keys(e.metrics).length > 0);
  const rule = zeroShotEpochs(hints.epochs ?? 5, hints.zeroshotFrequency ?? 2);
  let logIndex = 0;
  let ruleIndex = 0;
  for (const row of rows) {
    if (row.epoch !== null) {
      out.push({ line: row.line, metrics: row.metrics, epoch: row.epoch, epochSource: 'row' });
      continue;
    }
    // Advance through the log's eval lines to the next one that prints this row's values.
    let placed: number | null = null;
    for (let i = logIndex; i < logEvals.length; i++) {
      if (printsRow(logEvals[i]!, row.metrics)) {
        placed = logEvals[i]!.epoch;
        logIndex = i + 1;
        break;
      }
    }
    if (placed !== null) {
      out.push({ line: row.line, metrics: row.metrics, epoch: placed, epochSource: 'log' });
      ruleIndex = Math.max(ruleIndex, rule.indexOf(placed) + 1);
      continue;
    }
    const ruled = rule[ruleIndex++];
    out.push({
      line: row.line,
      metrics: row.metrics,
      epoch: ruled ?? null,
      epochSource: ruled === undefined ? 'unknown' : 'zeroshotRule',
    });
  }
  return out;
}

/** True when the log line shows every metric of the row that it names, as `round(v, 4)`, and names at least one. */
function printsRow(event: EvalMetricsEvent, metrics: Readonly<Record<string, number>>): boolean {
  let shared = 0;
  for (const [key, value] of Object.entries(metrics)) {
    const printed = event.metrics[key];
    if (printed === undefined) continue;
    shared++;
    if (Number.isNaN(value) ? !Number.isNaN(printed) : Math.abs(printed - value) > 0.00005 + 1e-12) return false;
  }
  return shared > 0;
}
