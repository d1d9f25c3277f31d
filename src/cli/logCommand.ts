import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLogFile } from '../formats/logFile';
import type { LogEvent, TrainStepEvent } from '../formats/logEvents';
import { LogSummaryBuilder, type LogSummary } from '../formats/logSummary';
import { paramInt } from '../formats/paramsText';
import { parseResultsJsonl, type ResultsFile } from '../formats/resultsJsonl';
import { UsageError, type CliIo } from './common/cliIo';
import { fmt, table } from './common/table';

export const logUsage = `Usage: tic-studio log FILE [--json] [--results FILE]

Parses an OpenCLIP out.log (or captured train.py stdout/stderr) in one streaming pass (contracts §2.1–2.3) and prints
what it says: each start of training (out.log is appended on resume), train steps per epoch (epochs are 0-based),
the zero-shot evals after epochs 2, 4, 5 (1-based), resumes, and errors (tracebacks, "Experiment already exists").
  --results FILE   checkpoints/results.jsonl to pair with the Eval Epoch lines (default: the one next to FILE)
  --json           {file, bytes, steps[], evals[], results, summary}: every train step, as parsed (NaN/inf as
                   the strings "nan", "inf", "-inf"); streamed, so a GB log prints without being held in memory`;

export async function logCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, results: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expects exactly one FILE (see --help).');
  const path = positionals[0]!;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new UsageError(`${path} is not a file.`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr.write(`tic-studio log: ${path}: notFound: no such file\n`);
    return 1;
  }
  const summary = new LogSummaryBuilder();
  const json = values.json;
  let out = '';
  let firstStep = true;
  if (json) out += `{"file":${JSON.stringify(path)},"steps":[`;
  const onEvent = (event: LogEvent): void => {
    summary.add(event);
    if (json && event.type === 'trainStep') {
      out += `${firstStep ? '\n' : ',\n'}${jsonLine(event)}`;
      firstStep = false;
      if (out.length > 1 << 16) {
        io.stdout.write(out);
        out = '';
      }
    }
  };
  const { bytes } = await parseLogFile(path, onEvent);
  const result = summary.result();
  const results = await readResults(values.results ?? join(dirname(path), 'checkpoints', 'results.jsonl'), result);
  if (json) {
    const { firstStep: _f, lastStep: _l, epochs, ...rest } = result;
    out += `\n],"bytes":${bytes},"evals":${jsonLine(result.evals)},"results":${jsonLine(results)},"summary":${jsonLine({
      ...rest,
      epochs: epochs.map((e) => ({ epoch: e.epoch, steps: e.steps, lastStep: e.lastStep })),
    })}}\n`;
    io.stdout.write(out);
    return 0;
  }
  io.stdout.write(describe(path, bytes, result, results));
  return 0;
}

async function readResults(path: string, summary: LogSummary): Promise<ResultsFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const params = summary.params;
  return parseResultsJsonl(text, {
    evalEvents: summary.evals,
    ...(params && typeof paramInt(params, 'epochs') === 'number' ? { epochs: paramInt(params, 'epochs')! } : {}),
    ...(params && typeof paramInt(params, 'zeroshot_frequency') === 'number'
      ? { zeroshotFrequency: paramInt(params, 'zeroshot_frequency')! }
      : {}),
  });
}

/** JSON with Python's non-finite floats spelled as Python prints them (JSON has no NaN). */
function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf') : v,
  );
}

function describe(path: string, bytes: number, s: LogSummary, results: ResultsFile | null): string {
  const out: string[] = [];
  out.push(
    `${basename(path)}: ${s.lines} lines (${bytes} bytes), ${s.runs.length} start${s.runs.length === 1 ? '' : 's'}, ${s.trainSteps} train steps in ${s.epochs.length} epoch${s.epochs.length === 1 ? '' : 's'}, ${s.evals.length} eval line${s.evals.length === 1 ? '' : 's'}${s.model ? `, model ${s.model}` : ''}`,
  );
  s.runs.forEach((run, i) => {
    const resume = run.resumes
      .map((r) =>
        r.kind === 'noLatest'
          ? 'no checkpoint to resume (fresh start)'
          : r.kind === 'foundLatest'
            ? `auto-resume from ${r.path}`
            : `${r.kind} ${r.path} (epoch ${r.epoch})`,
      )
      .join('; ');
    const steps =
      run.firstStep && run.lastStep ? `, epochs ${run.firstStep.epoch}–${run.lastStep.epoch} (0-based)` : '';
    out.push(
      `  start ${i + 1} (line ${run.startLine}${run.startTimestamp ? `, ${run.startTimestamp}` : ''}): ${resume || 'no resume line'}; ${run.trainSteps} steps${steps}${run.worldSize !== null ? `; world size ${run.worldSize}` : ''}${run.done ? '; "Done training."' : ''}`,
    );
    for (const e of run.errors) {
      out.push(
        `    error at line ${e.line}: ${e.type === 'traceback' ? `${e.exceptionType ?? 'traceback (cut off)'}${e.message ? `: ${e.message}` : ''}` : e.text}`,
      );
    }
  });
  if (s.firstNonFiniteLoss)
    out.push(`  loss is not finite from line ${s.firstNonFiniteLoss.line} (epoch ${s.firstNonFiniteLoss.epoch})`);
  if (s.unparsedLines > 0)
    out.push(
      `  ${s.unparsedLines} line(s) look like known lines but do not parse (first at line ${s.unparsedSamples[0]?.line})`,
    );
  if (s.oversizedLines > 0) out.push(`  ${s.oversizedLines} oversized line(s) skipped`);
  if (s.epochs.length > 0) {
    out.push('');
    const lossNames = Object.keys(s.epochs[0]!.lastStep.losses);
    out.push(
      table(
        [
          'epoch',
          'steps',
          'samples',
          ...lossNames.map((n) => `${n} (avg)`),
          'lr',
          'logit scale',
          'samples/s',
          'last at',
        ],
        s.epochs.map(({ epoch, steps, lastStep }) => [
          String(epoch),
          String(steps),
          `${lastStep.samplesSeen}/${lastStep.samplesPerEpoch} (${lastStep.percent}%)`,
          ...lossNames.map((n) => loss(lastStep, n)),
          lastStep.lr.toFixed(6),
          lastStep.logitScale.toFixed(3),
          fmt(lastStep.samplesPerSecond, 6),
          lastStep.timestamp,
        ]),
        new Set([0, 1]),
      ).trimEnd(),
    );
  }
  if (s.evals.length > 0) {
    out.push('');
    const keys = [...new Set(s.evals.flatMap((e) => Object.keys(e.metrics)))];
    out.push(
      table(
        ['eval epoch', ...keys, 'line'],
        s.evals.map((e) => [
          String(e.epoch),
          ...keys.map((k) => (e.metrics[k] === undefined ? '-' : e.metrics[k]!.toFixed(4))),
          String(e.line),
        ]),
        new Set([0]),
      ).trimEnd(),
    );
  }
  if (results !== null && results.rows.length > 0) {
    out.push('');
    const keys = [...new Set(results.rows.flatMap((r) => Object.keys(r.metrics)))];
    out.push('results.jsonl:');
    out.push(
      table(
        ['epoch', ...keys, 'from'],
        results.rows.map((r) => [
          r.epoch === null ? '?' : String(r.epoch),
          ...keys.map((k) => fmt(r.metrics[k] ?? null, 6)),
          r.epochSource,
        ]),
        new Set([0]),
      ).trimEnd(),
    );
  }
  return `${out.join('\n')}\n`;
}

function loss(step: TrainStepEvent, name: string): string {
  const l = step.losses[name];
  return l === undefined ? '-' : `${fmt(l.value, 5)} (${fmt(l.avg, 5)})`;
}
