import type { ParamsFile } from './paramsText';

/**
 * What the OpenCLIP log parser (logParser.ts) turns `out.log` and captured train.py stdout/stderr into. Every
 * event carries `line`: the 1-based line of the input where it starts (tqdm `\r` fragments share their line).
 * `timestamp` is the logger's `%Y-%m-%d,%H:%M:%S` text as written (contracts §2.1: no milliseconds, no time
 * zone); events from unprefixed output carry the last timestamp seen before them, or null.
 * Numbers printed by Python as `nan`, `inf`, `-inf` become NaN, Infinity, -Infinity.
 */
export type LogEvent =
  | TrainStepEvent
  | EvalMetricsEvent
  | ValProgressEvent
  | StartEpochEvent
  | ResumeEvent
  | RunStartEvent
  | ModelConfigEvent
  | ModelReprEvent
  | ParamsEvent
  | ZeroShotEvent
  | SamplesObtainedEvent
  | TrainScaleEvent
  | WorldSizeEvent
  | TrainingErrorEvent
  | DoneTrainingEvent
  | TracebackEvent
  | RecordEvent
  | OutputEvent
  | OversizedLineEvent
  | UnparsedLineEvent;

export type LogEventType = LogEvent['type'];

/** One loss of a train step line: the current value and the running average of the epoch (contracts §2.2). */
export interface LossValue {
  readonly value: number;
  readonly avg: number;
}

/** `Train Epoch: E [N/T (P%)] Data (t): … Batch (t): …, R/s, G/s/gpu LR: … Logit Scale: … Name: V (A)…` (§2.2). */
export interface TrainStepEvent {
  readonly type: 'trainStep';
  readonly line: number;
  readonly timestamp: string;
  /** 0-based (contracts §2.2, §7.7). */
  readonly epoch: number;
  /** Samples seen in this epoch so far (all ranks). */
  readonly samplesSeen: number;
  readonly samplesPerEpoch: number;
  /** As printed: a whole percent. */
  readonly percent: number;
  /** Mean data-loading time over the log window, seconds. */
  readonly dataTime: number;
  /** Mean batch time over the log window, seconds. */
  readonly batchTime: number;
  readonly samplesPerSecond: number;
  readonly samplesPerSecondPerGpu: number;
  readonly lr: number;
  /** exp(logit_scale), clamped to ≤ 100 by OpenCLIP. */
  readonly logitScale: number;
  /**
   * By loss name as OpenCLIP's loss dict has it (`contrastive_loss`, `loss`): the log prints `name.capitalize()`,
   * which only upper-cases the first letter of an all-lower-case key, so lower-casing gives the key back.
   */
  readonly losses: Readonly<Record<string, LossValue>>;
}

/** `Eval Epoch: N k: v<TAB>k: v…` (§2.3): N is the completed epoch, 1-based. */
export interface EvalMetricsEvent {
  readonly type: 'evalMetrics';
  readonly line: number;
  readonly timestamp: string;
  readonly epoch: number;
  /** Values rounded to 4 decimals by OpenCLIP (`round(v, 4):.4f`). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** `Eval Epoch: N [n / total]<TAB>Clip Loss: x<TAB>` (§2.3; only with --val-data, which datacomp never passes). */
export interface ValProgressEvent {
  readonly type: 'valProgress';
  readonly line: number;
  readonly timestamp: string;
  readonly epoch: number;
  readonly samples: number;
  readonly total: number;
  readonly clipLoss: number;
}

/** `Start epoch N` (0-based). */
export interface StartEpochEvent {
  readonly type: 'startEpoch';
  readonly line: number;
  readonly timestamp: string;
  readonly epoch: number;
}

/**
 * The four resume lines of contracts §1.4 / §2.1:
 * - `noLatest`: `No latest resume checkpoint found in {dir}.` (path = the checkpoints dir)
 * - `foundLatest`: `Found latest resume checkpoint at {path}.`
 * - `resuming`: `=> resuming checkpoint '{path}' (epoch N)` (a full training checkpoint; N = its start epoch,
 *   0 with --new-run)
 * - `loaded`: `=> loaded checkpoint '{path}' (epoch N)` (a bare state dict)
 */
export interface ResumeEvent {
  readonly type: 'resume';
  readonly line: number;
  readonly timestamp: string;
  readonly kind: 'noLatest' | 'foundLatest' | 'resuming' | 'loaded';
  readonly path: string;
  /** For `resuming` and `loaded`. */
  readonly epoch: number | null;
}

/** `Running with a single process. Device X.` or the distributed line with rank and world size (§2.1). */
export interface RunStartEvent {
  readonly type: 'runStart';
  readonly line: number;
  readonly timestamp: string;
  readonly mode: 'single' | 'distributed';
  readonly device: string;
  readonly rank: number;
  readonly localRank: number;
  readonly worldSize: number;
}

/** `Loaded {model} model config.` */
export interface ModelConfigEvent {
  readonly type: 'modelConfig';
  readonly line: number;
  readonly timestamp: string;
  readonly model: string;
}

/** The `str(model)` record after `Model:`: one logging record spanning many lines (§2.1). */
export interface ModelReprEvent {
  readonly type: 'modelRepr';
  readonly line: number;
  readonly timestamp: string;
  readonly text: string;
  readonly lineCount: number;
}

/** The `Params:` block: one `  name: value` record per argument, the same content as params.txt (§1.5). */
export interface ParamsEvent {
  readonly type: 'params';
  readonly line: number;
  readonly timestamp: string;
  readonly params: ParamsFile;
}

/** `Starting zero-shot imagenet.`, `Building zero-shot classifier`, `Using classifier`, `Finished zero-shot imagenet.` */
export interface ZeroShotEvent {
  readonly type: 'zeroShot';
  readonly line: number;
  readonly timestamp: string;
  readonly phase: 'start' | 'buildClassifier' | 'useClassifier' | 'finish';
}

/** `Obtained {n} samples.` (TIC patch, §2.1). */
export interface SamplesObtainedEvent {
  readonly type: 'samplesObtained';
  readonly line: number;
  readonly timestamp: string;
  readonly samples: number;
}

/** train.py stdout: `Running training on scale {scale}` (§1.6). */
export interface TrainScaleEvent {
  readonly type: 'trainScale';
  readonly line: number;
  readonly timestamp: string | null;
  readonly scale: string;
}

/** train.py stdout: `World size is {n}.` (§1.6). */
export interface WorldSizeEvent {
  readonly type: 'worldSize';
  readonly line: number;
  readonly timestamp: string | null;
  readonly worldSize: number;
}

/**
 * - `experimentExists`: OpenCLIP's `Error. Experiment already exists. Use --name {} …` (stdout): it trained
 *   nothing and returned -1 (§1.4, §7.1);
 * - `trainingError`: datacomp's `Error running training. Exiting.` (stdout), printed after that -1.
 */
export interface TrainingErrorEvent {
  readonly type: 'trainingError';
  readonly line: number;
  readonly timestamp: string | null;
  readonly kind: 'experimentExists' | 'trainingError';
  readonly text: string;
}

/** datacomp's `Done training.` (stdout). Also printed after a failed run (§1.4), so not proof of success alone. */
export interface DoneTrainingEvent {
  readonly type: 'doneTraining';
  readonly line: number;
  readonly timestamp: string | null;
}

/** A Python traceback: `Traceback (most recent call last):`, its indented frames, and the exception line. */
export interface TracebackEvent {
  readonly type: 'traceback';
  readonly line: number;
  readonly timestamp: string | null;
  /** `RuntimeError`, `torch.cuda.OutOfMemoryError`…; null when the traceback was cut off before that line. */
  readonly exceptionType: string | null;
  readonly message: string;
  /** The lines between the header and the exception line (at most 400, the last ones kept). */
  readonly frames: readonly string[];
}

/** Any other logging record (`TIMESTAMP | LEVEL | message`). */
export interface RecordEvent {
  readonly type: 'record';
  readonly line: number;
  readonly timestamp: string;
  readonly level: string;
  readonly message: string;
}

/** A line without the logger prefix that is none of the above (print output, warnings); tqdm bars are dropped. */
export interface OutputEvent {
  readonly type: 'output';
  readonly line: number;
  readonly timestamp: string | null;
  /** At most 4096 characters of it. */
  readonly text: string;
}

/** A line longer than the parser's limit: skipped without being held in memory. */
export interface OversizedLineEvent {
  readonly type: 'oversizedLine';
  readonly line: number;
  readonly length: number;
}

/** A record that starts like a known line (`Train Epoch:`, `Eval Epoch:`…) but does not have its format. */
export interface UnparsedLineEvent {
  readonly type: 'unparsedLine';
  readonly line: number;
  readonly timestamp: string | null;
  readonly expected: 'trainStep' | 'evalMetrics' | 'startEpoch' | 'resume' | 'runStart' | 'samplesObtained';
  /** At most 4096 characters of the line. */
  readonly text: string;
}
