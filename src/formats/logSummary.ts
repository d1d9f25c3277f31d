import type {
  DoneTrainingEvent,
  EvalMetricsEvent,
  LogEvent,
  ResumeEvent,
  TracebackEvent,
  TrainingErrorEvent,
  TrainStepEvent,
  UnparsedLineEvent,
} from './logEvents';
import { paramInt, type ParamsFile } from './paramsText';

/**
 * What a log says in a few hundred bytes, built incrementally from the parser's events (constant memory except
 * for the eval lines and the list of starts, both small). out.log is appended to on every start (contracts §1.5,
 * §7.6), so the log is also cut into *runs*: one per start of train.py.
 */
export interface LogSummary {
  readonly lines: number;
  readonly trainSteps: number;
  readonly firstStep: TrainStepEvent | null;
  readonly lastStep: TrainStepEvent | null;
  /** The last step logged in each 0-based epoch, in epoch order. */
  readonly epochs: readonly EpochProgress[];
  readonly evals: readonly EvalMetricsEvent[];
  readonly runs: readonly LogRun[];
  /** The last `Params:` block. */
  readonly params: ParamsFile | null;
  /** From the last `Loaded {model} model config.` line. */
  readonly model: string | null;
  /** The first train step whose loss is NaN or infinite. */
  readonly firstNonFiniteLoss: TrainStepEvent | null;
  readonly unparsedLines: number;
  /** The first 20. */
  readonly unparsedSamples: readonly UnparsedLineEvent[];
  readonly oversizedLines: number;
  readonly lastTimestamp: string | null;
}

export interface EpochProgress {
  readonly epoch: number;
  readonly steps: number;
  readonly lastStep: TrainStepEvent;
}

/** One start of training: from its resume line or rank 0's `Running …` line to the next start. */
export interface LogRun {
  readonly startLine: number;
  readonly startTimestamp: string | null;
  /** The last timestamp of this start (its last logged line, before the next start): how long it ran. */
  readonly lastTimestamp: string | null;
  /**
   * Whether the start's own first line (the `latest` lookup or rank 0's `Running …` line) is in the log: false for
   * the first run of a tail cut inside a start, whose beginning (and earlier starts) the summary did not see.
   */
  readonly startSeen: boolean;
  readonly worldSize: number | null;
  /** Per-GPU `batch_size` and `accum_freq` of this start's own `Params:` block (each start logs its own, §2.1). */
  readonly batchSize: number | null;
  readonly accumFreq: number | null;
  /** The resume lines of this start (the `latest` lookup, then the checkpoint actually loaded). */
  readonly resumes: readonly ResumeEvent[];
  readonly trainSteps: number;
  readonly firstStep: TrainStepEvent | null;
  readonly lastStep: TrainStepEvent | null;
  readonly evals: number;
  readonly errors: readonly (TrainingErrorEvent | TracebackEvent)[];
  readonly done: DoneTrainingEvent | null;
}

interface MutableRun {
  startLine: number;
  startTimestamp: string | null;
  lastTimestamp: string | null;
  startSeen: boolean;
  worldSize: number | null;
  batchSize: number | null;
  accumFreq: number | null;
  sawRunStart: boolean;
  resumes: ResumeEvent[];
  trainSteps: number;
  firstStep: TrainStepEvent | null;
  lastStep: TrainStepEvent | null;
  evals: number;
  errors: (TrainingErrorEvent | TracebackEvent)[];
  done: DoneTrainingEvent | null;
}

export class LogSummaryBuilder {
  private lines = 0;
  private trainSteps = 0;
  private firstStep: TrainStepEvent | null = null;
  private lastStep: TrainStepEvent | null = null;
  private readonly epochs = new Map<number, { steps: number; lastStep: TrainStepEvent }>();
  private readonly evals: EvalMetricsEvent[] = [];
  private readonly runs: MutableRun[] = [];
  private params: ParamsFile | null = null;
  private model: string | null = null;
  private firstNonFiniteLoss: TrainStepEvent | null = null;
  private unparsedLines = 0;
  private readonly unparsedSamples: UnparsedLineEvent[] = [];
  private oversizedLines = 0;
  private lastTimestamp: string | null = null;

  /** Pass as the parser's onEvent: `new LogParser((e) => summary.add(e))`. */
  readonly add = (event: LogEvent): void => {
    this.lines = Math.max(this.lines, event.line);
    this.record(event);
    if ('timestamp' in event && event.timestamp !== null) {
      this.lastTimestamp = event.timestamp;
      // After record(): the line that opens a start is that start's, not the previous one's.
      const run = this.runs[this.runs.length - 1];
      if (run) run.lastTimestamp = event.timestamp;
    }
  };

  private record(event: LogEvent): void {
    switch (event.type) {
      case 'trainStep': {
        this.trainSteps++;
        this.firstStep ??= event;
        this.lastStep = event;
        const epoch = this.epochs.get(event.epoch);
        if (epoch) {
          epoch.steps++;
          epoch.lastStep = event;
        } else {
          this.epochs.set(event.epoch, { steps: 1, lastStep: event });
        }
        if (this.firstNonFiniteLoss === null) {
          for (const name in event.losses) {
            const loss = event.losses[name]!;
            if (!Number.isFinite(loss.value)) {
              this.firstNonFiniteLoss = event;
              break;
            }
          }
        }
        const run = this.currentRun(event.line, event.timestamp);
        run.trainSteps++;
        run.firstStep ??= event;
        run.lastStep = event;
        break;
      }
      case 'evalMetrics':
        this.evals.push(event);
        this.currentRun(event.line, event.timestamp).evals++;
        break;
      case 'resume':
        if (event.kind === 'noLatest' || event.kind === 'foundLatest') {
          this.startRun(event.line, event.timestamp, true).resumes.push(event);
        } else {
          this.currentRun(event.line, event.timestamp).resumes.push(event);
        }
        break;
      case 'runStart': {
        if (event.rank !== 0) break;
        const current = this.runs[this.runs.length - 1];
        // The `latest` lookup opened this start; a run opened by a tail's first event is an earlier start.
        const run =
          current && current.startSeen && !current.sawRunStart
            ? current
            : this.startRun(event.line, event.timestamp, true);
        run.sawRunStart = true;
        run.worldSize = event.worldSize;
        break;
      }
      case 'params': {
        this.params = event.params;
        const run = this.currentRun(event.line, event.timestamp);
        run.batchSize = paramInt(event.params, 'batch_size') ?? null;
        run.accumFreq = paramInt(event.params, 'accum_freq') ?? null;
        break;
      }
      case 'modelConfig':
        this.model = event.model;
        break;
      case 'trainingError':
      case 'traceback':
        this.currentRun(event.line, event.timestamp).errors.push(event);
        break;
      case 'doneTraining':
        this.currentRun(event.line, event.timestamp).done = event;
        break;
      case 'unparsedLine':
        this.unparsedLines++;
        if (this.unparsedSamples.length < 20) this.unparsedSamples.push(event);
        break;
      case 'oversizedLine':
        this.oversizedLines++;
        break;
      default:
        break;
    }
  }

  result(): LogSummary {
    return {
      lines: this.lines,
      trainSteps: this.trainSteps,
      firstStep: this.firstStep,
      lastStep: this.lastStep,
      epochs: [...this.epochs.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([epoch, e]) => ({ epoch, steps: e.steps, lastStep: e.lastStep })),
      evals: [...this.evals],
      runs: this.runs.map(({ sawRunStart: _sawRunStart, ...run }) => ({
        ...run,
        resumes: [...run.resumes],
        errors: [...run.errors],
      })),
      params: this.params,
      model: this.model,
      firstNonFiniteLoss: this.firstNonFiniteLoss,
      unparsedLines: this.unparsedLines,
      unparsedSamples: [...this.unparsedSamples],
      oversizedLines: this.oversizedLines,
      lastTimestamp: this.lastTimestamp,
    };
  }

  private startRun(line: number, timestamp: string | null, startSeen: boolean): MutableRun {
    const run: MutableRun = {
      startLine: line,
      startTimestamp: timestamp,
      lastTimestamp: timestamp,
      startSeen,
      worldSize: null,
      batchSize: null,
      accumFreq: null,
      sawRunStart: false,
      resumes: [],
      trainSteps: 0,
      firstStep: null,
      lastStep: null,
      evals: 0,
      errors: [],
      done: null,
    };
    this.runs.push(run);
    return run;
  }

  /** The run an event belongs to; a log cut at its start (a tail) gets a run that starts at its first event. */
  private currentRun(line: number, timestamp: string | null): MutableRun {
    return this.runs[this.runs.length - 1] ?? this.startRun(line, timestamp, false);
  }
}

/** Summarises a whole list of events. */
export function summarizeLog(events: Iterable<LogEvent>): LogSummary {
  const builder = new LogSummaryBuilder();
  for (const event of events) builder.add(event);
  return builder.result();
}
