import { openUntrustedFile } from '../shared/untrustedFile';
import type { TrainStepEvent } from './logEvents';
import { parseLogFile } from './logFile';
import { LogParser, type TrainStepSink } from './logParser';
import { StepSlot, stepValues } from './trainStepLine';
import { lowerBound } from '../shared/lowerBound';

/** The values of a train step line that a chart plots (contracts §2.2). */
export const stepFields = ['loss', 'contrastive_loss', 'lr', 'logitScale', 'samplesPerSecond'] as const;
export type StepField = (typeof stepFields)[number];

/** The x columns: see StepSeries. */
export type StepAxis = 'samples' | 'optSteps' | 'time';
export type StepColumn = StepAxis | StepField;

export interface StepSeriesOptions {
  /**
   * Samples per optimizer step, `batch_size × accum_freq × world_size` (params.txt; contracts §2.2). When absent it
   * is inferred from the log: see StepSeries.samplesPerOptStep.
   */
  readonly samplesPerOptStep?: number;
}

/**
 * The version of what a log's bytes become here: bump it whenever the same out.log would give other StepSeries
 * columns (LogParser, parseTrainStepLine or StepSeries.append changed what they keep or how they read a number).
 * The series cache (seriesCache/) stores it with every entry and never uses an entry of another version.
 */
export const stepSeriesParserVersion = 1;

/** Stored columns: all but optSteps, which is derived from samples. In this order in the series cache. */
export const storedStepColumns = ['samples', 'time', ...stepFields] as const;
export type StoredStepColumn = (typeof storedStepColumns)[number];
const stored = storedStepColumns;
type StoredColumn = StoredStepColumn;

/**
 * All a StepSeries holds besides its options and its last event: what the series cache stores and restores.
 * Columns of equal length (the points kept), in storedStepColumns' names.
 */
export interface StepSeriesState {
  readonly columns: Readonly<Record<StoredStepColumn, Float64Array>>;
  /** The smallest samplesSeen of any line appended, Infinity before any. */
  readonly minSamplesSeen: number;
  /** StepSeries.replaced. */
  readonly replaced: number;
}

/**
 * The training curve of ONE training step (one experiment's out.log) as columns of doubles, one entry per
 * `Train Epoch` line kept, growing as lines are appended (a live run):
 *
 * - `samples`: samples seen in this step, `epoch × samplesPerEpoch + samplesSeen` (epoch is 0-based, §2.2);
 *   strictly increasing, see `append`;
 * - `optSteps`: optimizer steps done, `samples / samplesPerOptStep`: the 0-based global step of §2.2 plus one;
 * - `time`: the line's timestamp in ms since 1970 read as UTC. The logger writes local time with no zone (§2.1), so
 *   this is the wall clock of the training machine shifted to UTC: right for durations and ordering, off by the
 *   machine's UTC offset as an absolute time (and an hour off across a DST change);
 * - `loss`, `contrastive_loss` (the current value, not the running average; NaN when the line lacks that loss),
 *   `lr`, `logitScale` (exp(logit_scale)), `samplesPerSecond` (all GPUs).
 *
 * out.log is appended to on every start of training (§1.5), and `--resume latest` re-runs from the last saved
 * epoch (§1.4), so the lines of a crashed epoch come again: a line whose samples is ≤ the last kept point's
 * replaces every kept point with samples ≥ its own (the rerun is what the checkpoint holds).
 */
export class StepSeries implements TrainStepSink {
  private capacity = 64;
  private count = 0;
  private data = columnsOf(64);
  private opt = new Float64Array(0);
  /** optSteps[0, optValid) is up to date for the divisor optDivisor. */
  private optValid = 0;
  private optDivisor = NaN;
  /** The smallest samplesSeen of any line appended (inference of samplesPerOptStep). */
  private minSamplesSeen = Infinity;
  private replacedPoints = 0;
  private version = 0;
  private lastLine: TrainStepEvent | null = null;
  /** The last line came through trainStep: lastEvent makes its event from these (line, then the 14 numbers). */
  private lastValues: Float64Array | null = null;
  private lastValuesStamp = '';
  /** The last timestamp text turned into ms, and those ms (consecutive lines mostly share the text). */
  private stampText = '';
  private readonly stampMs = new Float64Array([NaN]);

  constructor(private readonly options: StepSeriesOptions = {}) {
    const given = options.samplesPerOptStep;
    if (given !== undefined && !(given > 0 && Number.isFinite(given))) {
      throw new RangeError(`samplesPerOptStep ${given} is not a positive number`);
    }
  }

  /** Points kept. */
  get length(): number {
    return this.count;
  }

  /** Points dropped so far because a restart logged their samples again. */
  get replaced(): number {
    return this.replacedPoints;
  }

  /** Changes whenever the columns change (append, replace): a key for caches built from them. */
  get revision(): number {
    return this.version;
  }

  /** The samples of the last point, 0 when empty. */
  get lastSamples(): number {
    return this.count === 0 ? 0 : this.data.samples[this.count - 1]!;
  }

  /** The last train step line appended (kept or not), or null. */
  get lastEvent(): TrainStepEvent | null {
    const v = this.lastValues;
    if (v !== null) {
      this.lastValues = null;
      this.lastLine = {
        type: 'trainStep',
        line: v[0]!,
        timestamp: this.lastValuesStamp,
        epoch: v[1 + StepSlot.epoch]!,
        samplesSeen: v[1 + StepSlot.samplesSeen]!,
        samplesPerEpoch: v[1 + StepSlot.samplesPerEpoch]!,
        percent: v[1 + StepSlot.percent]!,
        dataTime: v[1 + StepSlot.dataTime]!,
        batchTime: v[1 + StepSlot.batchTime]!,
        samplesPerSecond: v[1 + StepSlot.samplesPerSecond]!,
        samplesPerSecondPerGpu: v[1 + StepSlot.samplesPerSecondPerGpu]!,
        lr: v[1 + StepSlot.lr]!,
        logitScale: v[1 + StepSlot.logitScale]!,
        losses: {
          contrastive_loss: { value: v[1 + StepSlot.contrastiveValue]!, avg: v[1 + StepSlot.contrastiveAvg]! },
          loss: { value: v[1 + StepSlot.lossValue]!, avg: v[1 + StepSlot.lossAvg]! },
        },
      };
    }
    return this.lastLine;
  }

  /**
   * What optSteps divides samples by: the `samplesPerOptStep` option, else the smallest samplesSeen of the log
   * (null before any line). Every logged samplesSeen is `batch_count × batch × accum × world` and each epoch logs
   * its batch 1 (§2.2), so the smallest is exactly one optimizer step's samples, provided the log was read from an
   * epoch's start and the world size did not change between restarts.
   */
  get samplesPerOptStep(): number | null {
    const given = this.options.samplesPerOptStep;
    if (given !== undefined) return given;
    return this.minSamplesSeen === Infinity ? null : this.minSamplesSeen;
  }

  /**
   * A series holding `state` (e.g. read back from the series cache): the columns are used as they are (not
   * copied) until the first append outgrows them. Throws RangeError when the state could not have come from
   * appends: columns of unequal length, samples not finite and strictly increasing, a bad minSamplesSeen or
   * replaced. `lastEvent` is null until the next append.
   */
  static fromState(state: StepSeriesState, options: StepSeriesOptions = {}): StepSeries {
    const series = new StepSeries(options);
    const samples = state.columns.samples;
    const n = samples.length;
    for (const name of stored) {
      const column = state.columns[name];
      if (!(column instanceof Float64Array) || column.length !== n)
        throw new RangeError(`step column ${name} does not have ${n} values`);
    }
    let previous = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = samples[i]!;
      if (!(x > previous) || !Number.isFinite(x)) throw new RangeError(`samples[${i}] ${x} is not above ${previous}`);
      previous = x;
    }
    const min = state.minSamplesSeen;
    if (!(min === Infinity || (Number.isFinite(min) && min > 0)))
      throw new RangeError(`minSamplesSeen ${min} is not a positive number`);
    if (!Number.isSafeInteger(state.replaced) || state.replaced < 0)
      throw new RangeError(`replaced ${state.replaced} is not a count`);
    const capacity = Math.max(n, 1);
    series.data =
      n === 0
        ? columnsOf(capacity)
        : (Object.fromEntries(stored.map((name) => [name, state.columns[name]])) as Record<StoredColumn, Float64Array>);
    series.capacity = n === 0 ? capacity : n;
    series.count = n;
    series.minSamplesSeen = min;
    series.replacedPoints = state.replaced;
    series.version = n > 0 ? 1 : 0;
    return series;
  }

  /** The series' state: views into its own columns (valid until the next append; copy them to keep them). */
  state(): StepSeriesState {
    const columns = Object.fromEntries(stored.map((name) => [name, this.data[name].subarray(0, this.count)]));
    return {
      columns: columns as Record<StoredColumn, Float64Array>,
      minSamplesSeen: this.minSamplesSeen,
      replaced: this.replacedPoints,
    };
  }

  append(event: TrainStepEvent): void {
    this.lastLine = event;
    this.lastValues = null;
    const v = eventValues;
    v[StepSlot.epoch] = event.epoch;
    v[StepSlot.samplesSeen] = event.samplesSeen;
    v[StepSlot.samplesPerEpoch] = event.samplesPerEpoch;
    v[StepSlot.lossValue] = event.losses['loss']?.value ?? NaN;
    v[StepSlot.contrastiveValue] = event.losses['contrastive_loss']?.value ?? NaN;
    v[StepSlot.lr] = event.lr;
    v[StepSlot.logitScale] = event.logitScale;
    v[StepSlot.samplesPerSecond] = event.samplesPerSecond;
    this.push(v, event.timestamp);
  }

  /**
   * The columnar path (TrainStepSink, see LogParserOptions.trainSteps): the same as `append` of the line's event,
   * from the numbers the parser has just read into stepValues, with no event made (lastEvent makes it if asked).
   */
  trainStep(line: number, timestamp: string): void {
    const v = stepValues;
    const last = (this.lastValues ??= new Float64Array(15));
    last[0] = line;
    // A plain loop: `set(subarray())` would allocate a view per line.
    for (let k = 0; k < 14; k++) last[k + 1] = v[k]!;
    this.lastValuesStamp = timestamp;
    this.lastLine = null;
    this.push(v, timestamp);
  }

  /** Appends the point of the numbers in `v` (by StepSlot): read from a typed array, so no double is boxed on the way. */
  private push(v: Float64Array, timestamp: string): void {
    const samplesSeen = v[StepSlot.samplesSeen]!;
    if (samplesSeen > 0 && samplesSeen < this.minSamplesSeen) this.minSamplesSeen = samplesSeen;
    const samples = v[StepSlot.epoch]! * v[StepSlot.samplesPerEpoch]! + samplesSeen;
    if (!Number.isFinite(samples)) return;
    if (this.count > 0 && samples <= this.data.samples[this.count - 1]!) {
      // A rerun after a restart: it replaces the kept points from its own samples on.
      const keep = lowerBound(this.data.samples, samples, 0, this.count);
      this.replacedPoints += this.count - keep;
      this.count = keep;
      if (this.optValid > keep) this.optValid = keep;
    }
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    if (timestamp !== this.stampText) {
      this.stampText = timestamp;
      this.stampMs[0] = parseLogTimestamp(timestamp);
    }
    const i = this.count++;
    const d = this.data;
    d.samples[i] = samples;
    d.time[i] = this.stampMs[0]!;
    d.loss[i] = v[StepSlot.lossValue]!;
    d.contrastive_loss[i] = v[StepSlot.contrastiveValue]!;
    d.lr[i] = v[StepSlot.lr]!;
    d.logitScale[i] = v[StepSlot.logitScale]!;
    d.samplesPerSecond[i] = v[StepSlot.samplesPerSecond]!;
    this.version++;
  }

  /**
   * The column's values for the points kept: a view of length `length` into the series' own storage, valid until
   * the next append (copy it to keep it).
   */
  column(name: StepColumn): Float64Array {
    if (name === 'optSteps') return this.optSteps();
    const column = this.data[name];
    if (column === undefined) throw new RangeError(`unknown step column ${String(name)}`);
    return column.subarray(0, this.count);
  }

  private optSteps(): Float64Array {
    const divisor = this.samplesPerOptStep ?? NaN;
    if (this.opt.length < this.capacity) {
      const bigger = new Float64Array(this.capacity);
      bigger.set(this.opt.subarray(0, this.optValid));
      this.opt = bigger;
    }
    // Object.is: a NaN divisor (empty series) equals itself.
    if (!Object.is(divisor, this.optDivisor)) {
      this.optDivisor = divisor;
      this.optValid = 0;
    }
    const samples = this.data.samples;
    for (let i = this.optValid; i < this.count; i++) this.opt[i] = samples[i]! / divisor;
    this.optValid = this.count;
    return this.opt.subarray(0, this.count);
  }

  private grow(capacity: number): void {
    const bigger = columnsOf(capacity);
    for (const name of stored) bigger[name].set(this.data[name].subarray(0, this.count));
    this.data = bigger;
    this.capacity = capacity;
  }
}

/** append's scratch: an event's numbers in stepValues' slots. */
const eventValues = new Float64Array(16);

export interface ReadStepSeriesOptions extends StepSeriesOptions {
  readonly signal?: AbortSignal;
  /** Bytes per read (default 1 MiB). */
  readonly chunkSize?: number;
}

/** Where a follower stopped at a line's end: what the series cache keeps of it, and where a follower resumes. */
export interface FollowerCheckpoint {
  /** The series of the lines before `offset`, as views (see StepSeries.state). */
  readonly state: StepSeriesState;
  /** The end of the last complete line read (a byte after a newline, or 0). */
  readonly offset: number;
  /** The inode those bytes were read from. */
  readonly inode: number;
}

export interface StepSeriesFollowerOptions extends ReadStepSeriesOptions {
  /**
   * Start from a checkpoint instead of the file's first byte: the series is StepSeries.fromState(state) and the
   * first poll parses from `offset` (a line's start, so a fresh parser reads the same train lines there as the one
   * that read the whole file). Whoever passes it vouches that the file's first `offset` bytes are still those the
   * state was parsed from (the series cache checks a hash of them).
   */
  readonly resume?: FollowerCheckpoint;
}

/** Reads a whole out.log into a StepSeries, streaming it in fixed-size reads (constant memory besides the columns). */
export async function readStepSeries(outLogPath: string, options: ReadStepSeriesOptions = {}): Promise<StepSeries> {
  const series = new StepSeries(options);
  await parseLogFile(
    outLogPath,
    (event) => {
      if (event.type === 'trainStep') series.append(event);
    },
    { signal: options.signal, chunkSize: options.chunkSize, trainSteps: series },
  );
  return series;
}

export interface FollowResult {
  /** Bytes read by this call. */
  readonly bytes: number;
  /** Train step lines parsed by this call (kept or replacing earlier points). */
  readonly steps: number;
  /** True when the file had shrunk (replaced or truncated): the series was started again from its first byte. */
  readonly restarted: boolean;
}

/**
 * Follows an out.log that training is still appending to: each `poll()` reads the bytes added since the last one
 * and feeds them to one long-lived LogParser, so a line cut in half by a read waits for its end in the parser (it is
 * never parsed early or skipped). The first poll reads the whole file.
 *
 * The file only ever grows while it is the same log (§1.5); when it is found shorter than what was read, or another
 * file (inode) is at the path, it was replaced, and the series starts again (`series` is then a new object). A log
 * rewritten in place to a longer text is not noticed (nothing OpenCLIP does).
 */
export class StepSeriesFollower {
  private current: StepSeries;
  private parser: LogParser;
  private position = 0;
  /** The inode read so far: another file at the path (the log moved away, a new one made) is read from its start. */
  private inode: number | null = null;
  private steps = 0;
  private polling = false;
  private finished = false;
  /** The end of the last complete line fed to the parser: the series holds exactly the train lines before it. */
  private lineEnd = 0;
  private parsed = 0;

  constructor(
    readonly path: string,
    private readonly options: StepSeriesFollowerOptions = {},
  ) {
    const resume = options.resume;
    this.current = resume ? StepSeries.fromState(resume.state, options) : new StepSeries(options);
    if (resume) {
      this.position = resume.offset;
      this.lineEnd = resume.offset;
      this.inode = resume.inode;
    }
    this.parser = this.newParser();
  }

  get series(): StepSeries {
    return this.current;
  }

  /** Bytes read so far (from a checkpoint's offset on, bytes before it count as read). */
  get offset(): number {
    return this.position;
  }

  /** Bytes this follower has given to the log parser, over all polls: 0 when a checkpoint covered the whole file. */
  get parsedBytes(): number {
    return this.parsed;
  }

  /**
   * Where this follower stands at a line's end, for the series cache: null while a poll runs or after `finish()`
   * (which may have parsed an unterminated last line), or before the first poll. The state is views: copy before
   * the next poll.
   */
  checkpoint(): FollowerCheckpoint | null {
    if (this.polling || this.finished || this.inode === null) return null;
    return { state: this.current.state(), offset: this.lineEnd, inode: this.inode };
  }

  /** Reads what was appended since the last poll. Polls must not overlap (one at a time). */
  async poll(signal = this.options.signal): Promise<FollowResult> {
    if (this.polling) throw new Error('StepSeriesFollower.poll while a poll is running');
    if (this.finished) return { bytes: 0, steps: 0, restarted: false };
    this.polling = true;
    try {
      // Non-blocking, regular files only: a named pipe at out.log is an UntrustedFileError, not a stuck poll.
      const handle = await openUntrustedFile(this.path);
      try {
        const stat = await handle.stat();
        const size = stat.size;
        let restarted = false;
        if (size < this.position || (this.inode !== null && stat.ino !== this.inode)) {
          this.current = new StepSeries(this.options);
          this.parser = this.newParser();
          this.position = 0;
          this.lineEnd = 0;
          restarted = true;
        }
        this.inode = stat.ino;
        const stepsBefore = this.steps;
        const first = this.position;
        const chunkSize = Math.max(1, Math.min(this.options.chunkSize ?? 1024 * 1024, size - this.position));
        const buffer = new Uint8Array(chunkSize);
        while (this.position < size) {
          signal?.throwIfAborted();
          const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkSize, size - this.position), this.position);
          if (bytesRead === 0) break;
          const chunk = buffer.subarray(0, bytesRead);
          const newline = chunk.lastIndexOf(10);
          this.position += bytesRead;
          this.parsed += bytesRead;
          this.parser.write(chunk);
          if (newline !== -1) this.lineEnd = this.position - bytesRead + newline + 1;
        }
        return { bytes: this.position - first, steps: this.steps - stepsBefore, restarted };
      } finally {
        await handle.close();
      }
    } finally {
      this.polling = false;
    }
  }

  /** For a log that will not grow again (training ended): parses an unterminated last line. Later polls read nothing. */
  finish(): void {
    if (this.polling) throw new Error('StepSeriesFollower.finish while a poll is running');
    this.finished = true;
    this.parser.end();
  }

  private newParser(): LogParser {
    return new LogParser(
      (event) => {
        if (event.type === 'trainStep') {
          this.steps++;
          this.current.append(event);
        }
      },
      {
        trainSteps: {
          trainStep: (line, timestamp) => {
            this.steps++;
            this.current.trainStep(line, timestamp);
          },
        },
      },
    );
  }
}

/**
 * `YYYY-MM-DD,HH:MM:SS` (the logger's datefmt, §2.1) as ms since 1970, read as UTC (the text has no zone); NaN when
 * it does not have that shape. Read by character codes: it runs once per train step line.
 */
export function parseLogTimestamp(text: string): number {
  if (text.length !== 19 || text.charCodeAt(10) !== 44 /* , */) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    return NaN;
  }
  // Date.UTC is a call into the runtime: once per minute of log, the seconds added to it (the same integer ms,
  // exactly: MakeTime sums whole numbers far below 2^53).
  if (
    year !== minuteKey[0] ||
    month !== minuteKey[1] ||
    day !== minuteKey[2] ||
    hour !== minuteKey[3] ||
    minute !== minuteKey[4]
  ) {
    minuteKey[0] = year;
    minuteKey[1] = month;
    minuteKey[2] = day;
    minuteKey[3] = hour;
    minuteKey[4] = minute;
    minuteKey[5] = Date.UTC(year, month - 1, day, hour, minute, 0);
  }
  return minuteKey[5]! + second * 1000;
}

/** parseLogTimestamp's last minute (year, month, day, hour, minute; NaN: none) and its Date.UTC. */
const minuteKey = new Float64Array([NaN, NaN, NaN, NaN, NaN, NaN]);

/** The number written by `length` ASCII digits at `start`, NaN when one is not a digit. */
function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

function columnsOf(capacity: number): Record<StoredColumn, Float64Array> {
  return {
    samples: new Float64Array(capacity),
    time: new Float64Array(capacity),
    loss: new Float64Array(capacity),
    contrastive_loss: new Float64Array(capacity),
    lr: new Float64Array(capacity),
    logitScale: new Float64Array(capacity),
    samplesPerSecond: new Float64Array(capacity),
  };
}
