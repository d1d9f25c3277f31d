import type {
  DoneTrainingEvent,
  EvalMetricsEvent,
  LossValue,
  ResumeEvent,
  TracebackEvent,
  TrainingErrorEvent,
  TrainStepEvent,
  UnparsedLineEvent,
} from '../logEvents';
import type { EpochProgress, LogRun, LogSummary } from '../logSummary';
import type { ParamsFile, ParamsProblem } from '../paramsText';
import { isLogIdentity, logIdentityKeys, type LogIdentity } from './logCacheFolder';
import { crc32 } from './seriesCacheFile';

/**
 * One entry of the log summary cache (summaryCache.ts; contracts §10): the LogSummary of one whole out.log.
 *
 * Layout (little-endian):
 *
 *     0   magic            8 bytes  89 'TICSUM' 0A
 *     8   format           u32      summaryCacheFormat (this layout)
 *    12   parser version   u32      stepSeriesParserVersion (what LogParser makes of the bytes)
 *    16   summary version  u32      logSummaryVersion (what LogSummaryBuilder keeps of the events)
 *    20   JSON length J    u32      ≤ summaryEntryMaxBytes
 *    24   JSON             J bytes  {"log": LogIdentity, "summary": LogSummary}, UTF-8
 *    end  checksum         u32      CRC-32 (zlib's) of every byte before it
 *
 * JSON has no NaN, ±Infinity or -0, which a log's numbers can be (`nan` losses): such a number is written as the
 * string "NaN", "Infinity", "-Infinity" or "-0", and read back as that number where the field is a number. A reader
 * trusts nothing: the magic, the versions, the length (the file must be exactly as long as the header says), the
 * checksum, and then every field of the summary (checkSummary: the exact keys of each object, types, whole numbers
 * where they are counts, string and array sizes, counts that agree with each other) are checked, and an entry that
 * fails any check is a problem, never a summary.
 */
export const summaryCacheFormat = 1;

/**
 * The version of what LogSummaryBuilder keeps of a log's events: bump it whenever the same events would give another
 * LogSummary (a field added, a count taken otherwise). The cache never uses an entry of another version.
 */
export const logSummaryVersion = 1;

/** An entry larger than this is not written (nor read): a summary is a few KB; tracebacks can make it more. */
export const summaryEntryMaxBytes = 16 * 1024 * 1024;

const magic = Uint8Array.from([0x89, 0x54, 0x49, 0x43, 0x53, 0x55, 0x4d, 0x0a]);
const headerBytes = 24;

export type SummaryCacheProblem = 'magic' | 'format' | 'version' | 'length' | 'checksum' | 'values';

export type DecodedSummaryEntry =
  | { readonly ok: true; readonly log: LogIdentity; readonly summary: LogSummary }
  | { readonly ok: false; readonly problem: SummaryCacheProblem; readonly detail: string };

/** The entry's bytes, or null when it would be larger than summaryEntryMaxBytes. */
export function encodeSummaryEntry(
  log: LogIdentity,
  summary: LogSummary,
  versions: { parser: number; summary: number },
): Uint8Array | null {
  const json = Buffer.from(JSON.stringify({ log, summary }, tagNumbers));
  if (headerBytes + json.length + 4 > summaryEntryMaxBytes) return null;
  const bytes = Buffer.alloc(headerBytes + json.length + 4);
  bytes.set(magic, 0);
  bytes.writeUInt32LE(summaryCacheFormat, 8);
  bytes.writeUInt32LE(versions.parser, 12);
  bytes.writeUInt32LE(versions.summary, 16);
  bytes.writeUInt32LE(json.length, 20);
  bytes.set(json, headerBytes);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, headerBytes + json.length)), headerBytes + json.length);
  return bytes;
}

/** Reads an entry back, checking everything (see the file comment). */
export function decodeSummaryEntry(
  bytes: Uint8Array,
  versions: { parser: number; summary: number },
): DecodedSummaryEntry {
  const fail = (problem: SummaryCacheProblem, detail: string): DecodedSummaryEntry => ({ ok: false, problem, detail });
  if (bytes.length < headerBytes + 4) return fail('length', `${bytes.length} bytes is shorter than a header`);
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return fail('magic', 'not a log summary entry');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(8, true);
  if (format !== summaryCacheFormat)
    return fail('format', `format ${format}, this TiC Studio reads ${summaryCacheFormat}`);
  const parser = view.getUint32(12, true);
  const kept = view.getUint32(16, true);
  if (parser !== versions.parser || kept !== versions.summary)
    return fail('version', `versions ${parser}/${kept}, not ${versions.parser}/${versions.summary}`);
  const length = view.getUint32(20, true);
  const expected = headerBytes + length + 4;
  if (bytes.length !== expected) return fail('length', `${bytes.length} bytes, the header says ${expected}`);
  const stored = view.getUint32(expected - 4, true);
  const actual = crc32(bytes.subarray(0, expected - 4));
  if (stored !== actual) return fail('checksum', `checksum ${hex(actual)}, the entry says ${hex(stored)}`);
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + headerBytes, length).toString());
    const entry = fields(value, ['log', 'summary'], 'entry');
    const log = fields(entry.log, logIdentityKeys, 'log');
    if (!isLogIdentity(log)) throw new BadEntry('log: not a log identity');
    return { ok: true, log: log as unknown as LogIdentity, summary: checkSummary(entry.summary) };
  } catch (error) {
    if (error instanceof BadEntry || error instanceof SyntaxError) return fail('values', error.message);
    throw error;
  }
}

/** JSON.stringify's replacer: the numbers JSON cannot hold as tagged strings (see the file comment). */
function tagNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return Object.is(value, -0) ? '-0' : value;
}

class BadEntry extends Error {}

function bad(what: string): never {
  throw new BadEntry(what);
}

/** The object's own keys, exactly `keys` (in any order). */
function fields(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what}: not an object`);
  const own = Object.keys(value);
  if (own.length !== keys.length || !keys.every((k) => Object.hasOwn(value, k))) bad(`${what}: keys ${own.join(',')}`);
  return value as Record<string, unknown>;
}

/** A count: a whole number ≥ 0. */
function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(`${what}: not a count`);
  return value;
}

/** Any number a log can print: a finite JSON number, or NaN, ±Infinity, -0 as tagged strings. */
function num(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  switch (value) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return bad(`${what}: not a number`);
  }
}

function numOrNull(value: unknown, what: string): number | null {
  return value === null ? null : num(value, what);
}

/** At most a line of the parser's (1 Mi characters). */
function str(value: unknown, what: string, max = 1024 * 1024): string {
  if (typeof value !== 'string' || value.length > max) bad(`${what}: not a string of at most ${max}`);
  return value;
}

function strOrNull(value: unknown, what: string, max?: number): string | null {
  return value === null ? null : str(value, what, max);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) bad(`${what}: not one of ${allowed.join(', ')}`);
  return value as T;
}

function list<T>(value: unknown, max: number, what: string, each: (v: unknown, what: string) => T): T[] {
  if (!Array.isArray(value) || value.length > max) bad(`${what}: not a list of at most ${max}`);
  return value.map((v, i) => each(v, `${what}[${i}]`));
}

/** A record of `each` by name, as a plain object (never an own `__proto__`: the parser cannot make one). */
function record<T>(value: unknown, what: string, each: (v: unknown, what: string) => T): Record<string, T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what}: not an object`);
  const out: Record<string, T> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') bad(`${what}: __proto__`);
    str(key, `${what} key`);
    out[key] = each(v, `${what}.${key}`);
  }
  return out;
}

const lineKeys = ['type', 'line', 'timestamp'] as const;
const trainKeys = [
  ...lineKeys,
  ...['epoch', 'samplesSeen', 'samplesPerEpoch', 'percent', 'dataTime', 'batchTime'],
  ...['samplesPerSecond', 'samplesPerSecondPerGpu', 'lr', 'logitScale', 'losses'],
] as const;

function trainStep(value: unknown, what: string): TrainStepEvent {
  const f = fields(value, trainKeys, what);
  oneOf(f.type, ['trainStep'], what);
  const n = (key: string) => num(f[key], `${what}.${key}`);
  return {
    type: 'trainStep',
    line: count(f.line, `${what}.line`),
    timestamp: str(f.timestamp, `${what}.timestamp`),
    epoch: n('epoch'),
    samplesSeen: n('samplesSeen'),
    samplesPerEpoch: n('samplesPerEpoch'),
    percent: n('percent'),
    dataTime: n('dataTime'),
    batchTime: n('batchTime'),
    samplesPerSecond: n('samplesPerSecond'),
    samplesPerSecondPerGpu: n('samplesPerSecondPerGpu'),
    lr: n('lr'),
    logitScale: n('logitScale'),
    losses: record(f.losses, `${what}.losses`, (v, w): LossValue => {
      const loss = fields(v, ['value', 'avg'], w);
      return { value: num(loss.value, `${w}.value`), avg: num(loss.avg, `${w}.avg`) };
    }),
  };
}

function trainStepOrNull(value: unknown, what: string): TrainStepEvent | null {
  return value === null ? null : trainStep(value, what);
}

function evalMetrics(value: unknown, what: string): EvalMetricsEvent {
  const f = fields(value, [...lineKeys, 'epoch', 'metrics'], what);
  oneOf(f.type, ['evalMetrics'], what);
  return {
    type: 'evalMetrics',
    line: count(f.line, `${what}.line`),
    timestamp: str(f.timestamp, `${what}.timestamp`),
    epoch: num(f.epoch, `${what}.epoch`),
    metrics: record(f.metrics, `${what}.metrics`, num),
  };
}

function resume(value: unknown, what: string): ResumeEvent {
  const f = fields(value, [...lineKeys, 'kind', 'path', 'epoch'], what);
  oneOf(f.type, ['resume'], what);
  return {
    type: 'resume',
    line: count(f.line, `${what}.line`),
    timestamp: str(f.timestamp, `${what}.timestamp`),
    kind: oneOf(f.kind, ['noLatest', 'foundLatest', 'resuming', 'loaded'], `${what}.kind`),
    path: str(f.path, `${what}.path`),
    epoch: numOrNull(f.epoch, `${what}.epoch`),
  };
}

function runError(value: unknown, what: string): TrainingErrorEvent | TracebackEvent {
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'trainingError') {
    const f = fields(value, [...lineKeys, 'kind', 'text'], what);
    return {
      type,
      line: count(f.line, `${what}.line`),
      timestamp: strOrNull(f.timestamp, `${what}.timestamp`),
      kind: oneOf(f.kind, ['experimentExists', 'trainingError'], `${what}.kind`),
      text: str(f.text, `${what}.text`),
    };
  }
  const f = fields(value, [...lineKeys, 'exceptionType', 'message', 'frames'], what);
  oneOf(f.type, ['traceback'], what);
  return {
    type: 'traceback',
    line: count(f.line, `${what}.line`),
    timestamp: strOrNull(f.timestamp, `${what}.timestamp`),
    exceptionType: strOrNull(f.exceptionType, `${what}.exceptionType`),
    message: str(f.message, `${what}.message`),
    // LogParser keeps the last 400 frames of a traceback.
    frames: list(f.frames, 400, `${what}.frames`, (v, w) => str(v, w)),
  };
}

function done(value: unknown, what: string): DoneTrainingEvent | null {
  if (value === null) return null;
  const f = fields(value, lineKeys, what);
  oneOf(f.type, ['doneTraining'], what);
  return { type: 'doneTraining', line: count(f.line, `${what}.line`), timestamp: strOrNull(f.timestamp, what) };
}

function unparsed(value: unknown, what: string): UnparsedLineEvent {
  const f = fields(value, [...lineKeys, 'expected', 'text'], what);
  oneOf(f.type, ['unparsedLine'], what);
  const expected = ['trainStep', 'evalMetrics', 'startEpoch', 'resume', 'runStart', 'samplesObtained'] as const;
  return {
    type: 'unparsedLine',
    line: count(f.line, `${what}.line`),
    timestamp: strOrNull(f.timestamp, `${what}.timestamp`),
    expected: oneOf(f.expected, expected, `${what}.expected`),
    text: str(f.text, `${what}.text`, 4096),
  };
}

function params(value: unknown, what: string, lines: number): ParamsFile | null {
  if (value === null) return null;
  const f = fields(value, ['values', 'problems'], what);
  if (typeof f.values !== 'object' || f.values === null || Array.isArray(f.values)) bad(`${what}.values`);
  // A null-prototype object, as parseParamsText makes it (where `__proto__` is a name like any other).
  const values = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(f.values)) values[str(key, `${what} key`)] = str(v, `${what}.${key}`);
  const problems = list(f.problems, lines, `${what}.problems`, (v, w): ParamsProblem => {
    const p = fields(v, ['reason', 'line', 'text'], w);
    return {
      reason: oneOf(p.reason, ['notKeyValue', 'duplicateKey'], `${w}.reason`),
      line: count(p.line, `${w}.line`),
      text: str(p.text, `${w}.text`),
    };
  });
  return { values, problems };
}

const runKeys = [
  ...['startLine', 'startTimestamp', 'lastTimestamp', 'startSeen', 'worldSize', 'batchSize', 'accumFreq'],
  ...['resumes', 'trainSteps', 'firstStep', 'lastStep', 'evals', 'errors', 'done'],
] as const;

function run(value: unknown, what: string, lines: number): LogRun {
  const f = fields(value, runKeys, what);
  if (typeof f.startSeen !== 'boolean') bad(`${what}.startSeen`);
  const trainSteps = count(f.trainSteps, `${what}.trainSteps`);
  const firstStep = trainStepOrNull(f.firstStep, `${what}.firstStep`);
  const lastStep = trainStepOrNull(f.lastStep, `${what}.lastStep`);
  if ((trainSteps === 0) !== (firstStep === null) || (firstStep === null) !== (lastStep === null))
    bad(`${what}: ${trainSteps} steps, first and last do not agree`);
  return {
    startLine: count(f.startLine, `${what}.startLine`),
    startTimestamp: strOrNull(f.startTimestamp, `${what}.startTimestamp`),
    lastTimestamp: strOrNull(f.lastTimestamp, `${what}.lastTimestamp`),
    startSeen: f.startSeen,
    worldSize: numOrNull(f.worldSize, `${what}.worldSize`),
    batchSize: numOrNull(f.batchSize, `${what}.batchSize`),
    accumFreq: numOrNull(f.accumFreq, `${what}.accumFreq`),
    resumes: list(f.resumes, lines, `${what}.resumes`, resume),
    trainSteps,
    firstStep,
    lastStep,
    evals: count(f.evals, `${what}.evals`),
    errors: list(f.errors, lines, `${what}.errors`, runError),
    done: done(f.done, `${what}.done`),
  };
}

const summaryKeys = [
  ...['lines', 'trainSteps', 'firstStep', 'lastStep', 'epochs', 'evals', 'runs', 'params', 'model'],
  ...['firstNonFiniteLoss', 'unparsedLines', 'unparsedSamples', 'oversizedLines', 'lastTimestamp'],
] as const;

/**
 * A LogSummary from JSON we did not necessarily write (see the file comment); throws BadEntry. Besides each
 * field's shape: no list is longer than the log has lines, the train steps of the epochs and of the runs add up to
 * the summary's, the evals of the runs to its eval list, the epochs are in order, and the first 20 unparsed lines
 * are kept, as LogSummaryBuilder does.
 */
function checkSummary(value: unknown): LogSummary {
  const f = fields(value, summaryKeys, 'summary');
  // Every step, eval, start, resume, error and params problem is a line of its own: none of their lists is longer.
  const lines = count(f.lines, 'lines');
  const trainSteps = count(f.trainSteps, 'trainSteps');
  if (trainSteps > lines) bad('trainSteps: more than lines');
  const epochs = list(f.epochs, trainSteps, 'epochs', (v, w): EpochProgress => {
    const e = fields(v, ['epoch', 'steps', 'lastStep'], w);
    return {
      epoch: num(e.epoch, `${w}.epoch`),
      steps: count(e.steps, `${w}.steps`),
      lastStep: trainStep(e.lastStep, w),
    };
  });
  for (let i = 1; i < epochs.length; i++) if (!(epochs[i - 1]!.epoch < epochs[i]!.epoch)) bad('epochs: out of order');
  const evals = list(f.evals, lines, 'evals', evalMetrics);
  const runs = list(f.runs, lines, 'runs', (v, w) => run(v, w, lines));
  const sum = (ns: readonly number[]) => ns.reduce((a, b) => a + b, 0);
  if (sum(epochs.map((e) => e.steps)) !== trainSteps) bad('epochs: steps do not add up');
  if (sum(runs.map((r) => r.trainSteps)) !== trainSteps) bad('runs: steps do not add up');
  if (sum(runs.map((r) => r.evals)) !== evals.length) bad('runs: evals do not add up');
  const firstStep = trainStepOrNull(f.firstStep, 'firstStep');
  const lastStep = trainStepOrNull(f.lastStep, 'lastStep');
  if ((trainSteps === 0) !== (firstStep === null) || (firstStep === null) !== (lastStep === null))
    bad(`${trainSteps} steps, first and last do not agree`);
  const unparsedLines = count(f.unparsedLines, 'unparsedLines');
  const unparsedSamples = list(f.unparsedSamples, Math.min(20, unparsedLines), 'unparsedSamples', unparsed);
  if (unparsedSamples.length !== Math.min(20, unparsedLines)) bad('unparsedSamples: not the first 20');
  return {
    lines,
    trainSteps,
    firstStep,
    lastStep,
    epochs,
    evals,
    runs,
    params: params(f.params, 'params', lines),
    model: strOrNull(f.model, 'model'),
    firstNonFiniteLoss: trainStepOrNull(f.firstNonFiniteLoss, 'firstNonFiniteLoss'),
    unparsedLines,
    unparsedSamples,
    oversizedLines: count(f.oversizedLines, 'oversizedLines'),
    lastTimestamp: strOrNull(f.lastTimestamp, 'lastTimestamp'),
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
