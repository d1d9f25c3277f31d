/**
 * The host ⇄ dashboard webview protocol: message types and their runtime validators, used on both sides (the
 * host checks what the webview sends, the webview checks what the host sends: defence in depth). Anything that is
 * not exactly a known message is a ProtocolError, which the receiver drops and logs. Replies carry the request's
 * `requestId`. Imports only src/protocol/, so the browser bundle can use it (architecture.md).
 */
import {
  arr,
  attempt,
  bool,
  exact,
  fail,
  int,
  nullable,
  num,
  oneOf,
  parseByType,
  type ParserTable,
  type ProtocolError,
  record,
  requestId,
  str,
} from './validate';
import { isTicMonth, ticMonths } from '../tic/ticMonths';
import { parseStepParams, type StepParamsWire } from './stepParams';

export { ProtocolError } from './validate';
export type { StepLineageWire, StepParamsWire } from './stepParams';

// ---------------------------------------------------------------------------------------------------------------
// Shared vocabulary

export const lossFields = ['loss', 'contrastive_loss', 'lr', 'logitScale', 'samplesPerSecond'] as const;
export type LossField = (typeof lossFields)[number];

/** x axis of the loss chart: cumulative samples seen over the chain, cumulative optimizer steps, or wall time. */
export const lossAxes = ['samples', 'optSteps', 'time'] as const;
export type LossAxis = (typeof lossAxes)[number];

export const firstStepModes = ['merge', 'separate'] as const;
export type FirstStepModeWire = (typeof firstStepModes)[number];

export const checkpointStates = ['local', 'hub', 'missing'] as const;
export const runStates = ['none', 'queued', 'running', 'finished', 'incomplete', 'failed'] as const;
export const evalStates = ['done', 'partial', 'missing'] as const;

export const exportFormats = ['csv', 'svg', 'png'] as const;

/** A chain's steps are years (`2017`) or, in a monthly chain, TiC months (`YYYYMM`, src/tic/ticMonths.ts). */
export const timescales = ['yearly', 'monthly'] as const;
export type TimescaleWire = (typeof timescales)[number];
export type ExportFormat = (typeof exportFormats)[number];

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes

/** Samples of TiC-DataComp per calendar year (contracts §4.1), for the timeline's x axis. */
export interface DataVolumeWire {
  year: number;
  samples: number;
  /** The contracts give only a rounded size for this year. */
  approximate: boolean;
}

export interface StepNodeWire {
  year: number;
  /** Experiment folder (absolute), null for a step not trained yet. */
  experiment: string | null;
  expName: string | null;
  /** The sibling chain's 2016 step, shown here too (continual chains share it). */
  shared: boolean;
  /** A step before this variant's fork: the chain in `forkedFrom` shows it too. */
  inherited: boolean;
  /** A published checkpoint (Hugging Face) stands as this step of the lineage. */
  published: boolean;
  checkpoint: (typeof checkpointStates)[number];
  run: (typeof runStates)[number];
  /** 0…1 while running, else null. */
  progress: number | null;
  evaluation: (typeof evalStates)[number];
  /** A short sentence for the tooltip / accessible name. */
  detail: string;
  /**
   * What the protocol guard says of the step (src/fidelity/): absent for a step without an experiment and from
   * hosts before issue 15. A shared or inherited step carries the report of the chain that trained it.
   */
  protocol?: StepProtocolWire;
  /**
   * What params.txt says of the step and what it resumed from (stepParams.ts): absent for a step without an
   * experiment that is not a published checkpoint, and from hosts before issue 17.
   */
  params?: StepParamsWire;
  /** How far the step's results can be trusted (absent from hosts before issue 17: nothing to mark). */
  marks?: StepMarksWire;
}

/** Marks on a step's results wherever they are shown (matrices, transfer, ImageNet). */
export interface StepMarksWire {
  /** A demo stand-in wrote its training or evaluation: the numbers are made up. */
  simulated: boolean;
  /**
   * Its training did not finish (stopped, failed or still running), in one sentence; null when it did. Its
   * results are of an earlier checkpoint: the transfer summaries leave it out unless the user brings it in.
   */
  unfinished: string | null;
}

export const protocolSeverities = ['error', 'warning', 'note'] as const;

/** One deviation from the TiC-CLIP protocol, in words (src/fidelity/protocolReport.ts). */
export interface ProtocolProblemWire {
  /** The check's key: `globalBatch`, `warmup`… (protocolMarks.ts has the words). */
  check: string;
  expected: string;
  actual: string;
  severity: (typeof protocolSeverities)[number];
}

export interface StepProtocolWire {
  /** No `error` problem: the step compares with the paper's. */
  comparable: boolean;
  problems: ProtocolProblemWire[];
}

/** What a chain's lineage cost, its shared steps included; null where the files do not say. */
export interface ChainComputeWire {
  samplesSeen: number | null;
  optimizerSteps: number | null;
  gpuHours: number | null;
  trainFlops: number | null;
  /** Samples ÷ those of the oracle that reaches the same last step. */
  oracleRatio: number | null;
  /** Every step the chain trained itself is comparable. */
  comparable: boolean;
}

export interface MatrixWire {
  family: string;
  metric: string;
  /** Training steps (rows): years, or the months of a monthly chain. */
  rows: number[];
  /** Eval years; a monthly chain's eval months (up to the 102 TiC months), or eval years in its roll-up. */
  columns: number[];
  /** values[row][column]; null = missing, never 0. */
  values: (number | null)[][];
}

export interface TransferStepWire {
  year: number;
  backward: number | null;
  id: number | null;
  forward: number | null;
  /** The present cells of the row in each region (a summary over some rows is their cell-weighted mean). */
  cells?: TransferCellsWire;
}

/** How many matrix cells a transfer mean was taken over, per region. */
export interface TransferCellsWire {
  id: number;
  backward: number;
  forward: number;
}

export interface TransferWire {
  family: string;
  metric: string;
  backward: number | null;
  id: number | null;
  forward: number | null;
  perStep: TransferStepWire[];
  /** The present cells each summary mean was taken over (absent from hosts before issue 15). */
  cells?: TransferCellsWire;
  /**
   * The cells of the full matrix (every training step of the strategy × the eval years, folded as `firstStep`
   * says): fewer present `cells` means the summary is built from an incomplete matrix.
   */
  fullCells?: TransferCellsWire;
}

export interface ImageNetWire {
  year: number;
  top1: number | null;
  top5: number | null;
  source: string;
  /** For the training-time zero-shot: the epoch (1-based) of the line, null when unknown; absent otherwise. */
  epoch?: number | null;
}

export interface OtherTaskWire {
  year: number;
  key: string;
  dataset: string;
  value: number | null;
}

export interface ChainWire {
  /** `tic_medium/basic/cumulative`, or `…@{exp name}` for a variant (src/workspace/chains.ts). */
  key: string;
  /** What people read: `tic_medium/basic/cumulative`, or `tic_medium/basic/cumulative · lr1e4` for a variant. */
  label: string;
  strategy: string;
  /** The variant's name, null while the chain is the only lineage of its strategy × filtering × scale. */
  variant: string | null;
  /** The chain this variant forked from and the year of the last step they share. */
  forkedFrom: { chain: string; year: number } | null;
  /** A sentence on the lineage's root when it is not trained from scratch ("published … 2016"), else null. */
  root: string | null;
  steps: StepNodeWire[];
  matrices: MatrixWire[];
  transfer: TransferWire[];
  imagenet: ImageNetWire[];
  otherTasks: OtherTaskWire[];
  /**
   * The chain's cumulative compute (absent from hosts before issue 15, and while it is not known; never for a
   * monthly chain: there is no published monthly protocol to compare with).
   */
  compute?: ChainComputeWire;
  /**
   * `monthly`: every step of the chain (steps, matrix rows, transfer perStep, imagenet, otherTasks, forkedFrom) is
   * a `YYYYMM` month and the matrices' columns are eval months. Absent (older hosts) = yearly.
   */
  timescale?: TimescaleWire;
  /** A monthly chain's branch point: the yearly step it continues (null when unknown); absent for yearly chains. */
  branch?: ChainBranchWire | null;
  /**
   * A monthly chain's matrices rolled up to eval years 2014…2023 (rows: its months; each cell the mean of that
   * year's present months), one per matrix; absent for yearly chains.
   */
  rollup?: MatrixWire[];
}

export interface ChainBranchWire {
  /** The yearly step (a year) the first month resumed from. */
  year: number;
  /** The yearly chain holding that step, null when none does (a published checkpoint, a step outside chains). */
  chain: string | null;
  /** For people: `cumulative 2019`, `published apple/TiC-CLIP-basic-sequential 2022`. */
  label: string;
}

export interface SnapshotWire {
  firstStep: FirstStepModeWire;
  dataVolume: DataVolumeWire[];
  chains: ChainWire[];
  /** The monthly chains (`timescale: 'monthly'`), apart from the yearly `chains`; absent from older hosts. */
  monthlyChains?: ChainWire[];
  /** Why there is nothing to show (no folder, scan failed), or null. */
  notice: string | null;
}

export interface StepStartWire {
  /** The step: a year, or a month (`YYYYMM`) in a monthly chain's series. */
  year: number;
  x: number;
}

export interface LossSeriesWire {
  chain: string;
  x: number[];
  y: number[];
  /** EMA-smoothed y over the whole chain (TensorBoard's debiased EMA), same length as y; null = no smoothing. */
  smoothed: number[] | null;
  stepStarts: StepStartWire[];
  /** Full x extent of the chain before downsampling ([0, 0] when empty). */
  extent: [number, number];
  /** Points before downsampling. */
  total: number;
}

export interface LossQuery {
  chains: string[];
  field: LossField;
  axis: LossAxis;
  /** Visible x range, null = everything. */
  x0: number | null;
  x1: number | null;
  /** Downsampling buckets (≈ chart width in pixels). */
  buckets: number;
  /** EMA weight 0…<1 (0 = none). */
  smoothing: number;
  /** The EMA starts afresh at each step of the chain (else it runs over the whole chain). */
  emaPerStep: boolean;
}

/** One view of the loss chart, its chains aside: what a live push was computed for. */
export type LossView = Omit<LossQuery, 'chains'>;

/**
 * A loss series as typed arrays, for the live push (`lossesLive`): VS Code's webview `postMessage` carries each
 * typed array's buffer as binary (extensions with engines ≥ 1.57), instead of JSON numbers. A gap in `y` or
 * `smoothed` is NaN; `x` is finite.
 */
export interface LossSeriesBinary {
  chain: string;
  x: Float64Array;
  y: Float64Array;
  smoothed: Float64Array | null;
  stepStarts: StepStartWire[];
  extent: [number, number];
  total: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/** Messages the webview sends to the host. */
export type DashboardToHost =
  | { type: 'ready' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string }
  | ({ type: 'requestLosses'; requestId: number } & LossQuery)
  | { type: 'reveal'; chain: string; year: number }
  | { type: 'evaluate'; chain: string; year: number }
  | { type: 'export'; requestId: number; format: ExportFormat; name: string; data: string }
  | { type: 'painted'; requestId: number; ms: number }
  /**
   * The view the loss chart shows now (chains, field, axis, zoom, width, smoothing), sent whenever it changes; null
   * while no loss chart is shown (another tab, no chains). The host pushes live updates of these chains for it.
   */
  | { type: 'lossView'; query: LossQuery | null };

/** Messages the host sends to the webview. */
export type HostToDashboard =
  | { type: 'init'; version: string; workspaceName: string | null; trusted: boolean }
  | ({ type: 'snapshot' } & SnapshotWire)
  /**
   * The answer to a `requestLosses`, in one message or, when it is slow (logs being parsed), in several: each
   * carries the series of the chains ready since the last, `partial: true` on all but the last, so the chart
   * shows chains as they come (the first chain of a cold open does not wait for the others).
   */
  | {
      type: 'losses';
      requestId: number;
      field: LossField;
      axis: LossAxis;
      series: LossSeriesWire[];
      partial?: boolean;
    }
  | { type: 'lossesChanged'; chains: string[] }
  /**
   * Live update in one hop: the chains that grew among those of the webview's `lossView`, downsampled for that
   * view. `noticedAt` is the host's wall clock (ms since the epoch) when it noticed the change: the webview's
   * notice → pixels time is measured from it (meaningful where host and webview share a clock: the benchmark).
   */
  | { type: 'lossesLive'; view: LossView; noticedAt: number; series: LossSeriesBinary[] }
  | { type: 'exported'; requestId: number; path: string | null; error: string | null };

// ---------------------------------------------------------------------------------------------------------------
// Limits (a message over them is dropped): generous for real data, small enough to refuse a flood.

const maxLogText = 4000;
const maxKey = 500;
const maxPath = 10_000;
const maxChains = 200;
const maxPoints = 200_000;
/** Export payloads: a PNG data URL of a large chart, a CSV of a big table. */
const maxExport = 32 * 1024 * 1024;
const maxBuckets = 20_000;
/** Numbers in one live push, all its series and columns together (8 bytes each: 32 MB). */
const maxLiveNumbers = 4_000_000;

const year = (v: unknown, what = 'year'): number => int(v, what, 1900, 2200);
/** A TiC month (`YYYYMM`, one of the 102: src/tic/ticMonths.ts); anything else is refused. */
const month = (v: unknown, what = 'month'): number => {
  const n = int(v, what, 100001, 999912);
  return isTicMonth(n) ? n : fail(`${what} is not a TiC month`);
};
/** A step where either may come (a step action, a loss series' step start): a year or a TiC month. */
const yearOrMonth = (v: unknown, what = 'year'): number =>
  typeof v === 'number' && v > 9999 ? month(v, what) : year(v, what);
/** The steps of a chain of this timescale: years, or TiC months. */
const stepOf =
  (timescale: TimescaleWire) =>
  (v: unknown, what = 'year'): number =>
    timescale === 'monthly' ? month(v, what) : year(v, what);
/** Steps in a chain: a yearly chain has a handful, a monthly one at most one per TiC month. */
const maxSteps = ticMonths.length;
/** Matrix columns: 9 eval years, 10 in a roll-up, the 102 eval months of a monthly chain. */
const maxColumns = ticMonths.length;
const finiteOrNull = (v: unknown, what: string): number | null =>
  nullable(v, (x) => {
    const n = num(x, what);
    return Number.isFinite(n) ? n : fail(`${what} is not finite`);
  });
/** JSON turns NaN and ±Infinity into null: on the wire a point's y may be null (a gap). */
const numbers = (v: unknown, what: string): number[] =>
  arr(v, what, (x) => (x === null ? NaN : num(x, what)), maxPoints);

/** The parser of each message the webview sends (a message type without one does not compile). */
export const dashboardToHostParsers: ParserTable<DashboardToHost> = {
  ready: (m) => {
    exact(m, ['type']);
    return { type: 'ready' };
  },
  log: (m) => {
    exact(m, ['type', 'level', 'text']);
    return {
      type: 'log',
      level: oneOf(m.level, 'level', ['info', 'warn', 'error'] as const),
      text: str(m.text, 'text', maxLogText),
    };
  },
  requestLosses: (m) => {
    exact(m, ['type', 'requestId', 'chains', 'field', 'axis', 'x0', 'x1', 'buckets', 'smoothing', 'emaPerStep']);
    return { type: 'requestLosses', requestId: requestId(m.requestId), ...parseLossQuery(m) };
  },
  lossView: (m) => {
    exact(m, ['type', 'query']);
    return {
      type: 'lossView',
      query: nullable(m.query, (q) => {
        const r = record(q, 'query');
        exact(r, ['chains', 'field', 'axis', 'x0', 'x1', 'buckets', 'smoothing', 'emaPerStep']);
        return parseLossQuery(r);
      }),
    };
  },
  reveal: (m) => stepAction('reveal', m),
  evaluate: (m) => stepAction('evaluate', m),
  export: (m) => {
    exact(m, ['type', 'requestId', 'format', 'name', 'data']);
    const name = str(m.name, 'name', 200);
    // A suggested file name only: no folders, no dot files, nothing a save dialog could misread.
    if (!/^[\w.@ -]+$/.test(name) || name.startsWith('.')) fail('bad export name');
    return {
      type: 'export',
      requestId: requestId(m.requestId),
      format: oneOf(m.format, 'format', exportFormats),
      name,
      data: str(m.data, 'data', maxExport),
    };
  },
  painted: (m) => {
    exact(m, ['type', 'requestId', 'ms']);
    return { type: 'painted', requestId: requestId(m.requestId), ms: num(m.ms, 'ms') };
  },
};

/** The view of a loss chart (its chains aside), as a request or a live push carries it. */
function parseLossView(m: Record<string, unknown>): LossView {
  const smoothing = num(m.smoothing, 'smoothing');
  if (!(smoothing >= 0 && smoothing < 1)) fail('smoothing is not in [0, 1)');
  return {
    field: oneOf(m.field, 'field', lossFields),
    axis: oneOf(m.axis, 'axis', lossAxes),
    x0: finiteOrNull(m.x0, 'x0'),
    x1: finiteOrNull(m.x1, 'x1'),
    buckets: int(m.buckets, 'buckets', 1, maxBuckets),
    smoothing,
    emaPerStep: bool(m.emaPerStep, 'emaPerStep'),
  };
}

function parseLossQuery(m: Record<string, unknown>): LossQuery {
  return { chains: arr(m.chains, 'chains', (c) => str(c, 'chain', maxKey), maxChains), ...parseLossView(m) };
}

/** Reveal and Evaluate name the same thing: one step of one chain. */
function stepAction<T extends 'reveal' | 'evaluate'>(
  type: T,
  m: Record<string, unknown>,
): { type: T; chain: string; year: number } {
  exact(m, ['type', 'chain', 'year']);
  return { type, chain: str(m.chain, 'chain', maxKey), year: yearOrMonth(m.year) };
}

/** Checks a message that came from the webview; anything that is not exactly a known message is an error. */
export function parseDashboardMessage(raw: unknown): DashboardToHost | ProtocolError {
  return attempt(() =>
    parseByType(dashboardToHostParsers, raw, (type) =>
      fail(`unknown type ${JSON.stringify(String(type)).slice(0, 60)}`),
    ),
  );
}

function parseStep(v: unknown, step: (v: unknown, what?: string) => number): StepNodeWire {
  const s = record(v, 'step');
  return {
    year: step(s.year),
    experiment: nullable(s.experiment, (x) => str(x, 'experiment', maxPath)),
    expName: nullable(s.expName, (x) => str(x, 'expName', maxKey)),
    shared: bool(s.shared, 'shared'),
    inherited: bool(s.inherited, 'inherited'),
    published: bool(s.published, 'published'),
    checkpoint: oneOf(s.checkpoint, 'checkpoint', checkpointStates),
    run: oneOf(s.run, 'run', runStates),
    progress: finiteOrNull(s.progress, 'progress'),
    evaluation: oneOf(s.evaluation, 'evaluation', evalStates),
    detail: str(s.detail, 'detail', 2000),
    ...(s.protocol === undefined ? {} : { protocol: parseStepProtocol(s.protocol) }),
    ...(s.params === undefined ? {} : { params: parseStepParams(s.params) }),
    ...(s.marks === undefined ? {} : { marks: parseStepMarks(s.marks) }),
  };
}

function parseStepMarks(v: unknown): StepMarksWire {
  const m = record(v, 'marks');
  exact(m, ['simulated', 'unfinished']);
  return {
    simulated: bool(m.simulated, 'marks.simulated'),
    unfinished: nullable(m.unfinished, (x) => str(x, 'marks.unfinished', 2000)),
  };
}

function parseStepProtocol(v: unknown): StepProtocolWire {
  const p = record(v, 'protocol');
  return {
    comparable: bool(p.comparable, 'comparable'),
    problems: arr(
      p.problems,
      'problems',
      (x) => {
        const q = record(x, 'problem');
        return {
          check: str(q.check, 'check', maxKey),
          expected: str(q.expected, 'expected', 2000),
          actual: str(q.actual, 'actual', 2000),
          severity: oneOf(q.severity, 'severity', protocolSeverities),
        };
      },
      100,
    ),
  };
}

function parseCompute(v: unknown): ChainComputeWire {
  const c = record(v, 'compute');
  const amount = (x: unknown, what: string): number | null => {
    const n = finiteOrNull(x, what);
    return n === null || n >= 0 ? n : fail(`${what} is negative`);
  };
  return {
    samplesSeen: amount(c.samplesSeen, 'samplesSeen'),
    optimizerSteps: amount(c.optimizerSteps, 'optimizerSteps'),
    gpuHours: amount(c.gpuHours, 'gpuHours'),
    trainFlops: amount(c.trainFlops, 'trainFlops'),
    oracleRatio: amount(c.oracleRatio, 'oracleRatio'),
    comparable: bool(c.comparable, 'comparable'),
  };
}

/**
 * A matrix: rows are the chain's steps (`row`), columns eval years or eval months (`column`); each at most once.
 */
function parseMatrix(
  v: unknown,
  row: (v: unknown, what?: string) => number,
  column: (v: unknown, what?: string) => number,
): MatrixWire {
  const m = record(v, 'matrix');
  const rows = arr(m.rows, 'rows', (x) => row(x, 'row'), maxSteps);
  const columns = arr(m.columns, 'columns', (x) => column(x, 'column'), maxColumns);
  if (new Set(rows).size !== rows.length || new Set(columns).size !== columns.length) fail('matrix repeats a step');
  const values = arr(
    m.values,
    'values',
    (row) => arr(row, 'values row', (x) => finiteOrNull(x, 'cell'), columns.length),
    rows.length,
  );
  if (values.length !== rows.length || values.some((r) => r.length !== columns.length)) fail('matrix shape');
  return { family: str(m.family, 'family', maxKey), metric: str(m.metric, 'metric', maxKey), rows, columns, values };
}

function parseTransfer(v: unknown, step: (v: unknown, what?: string) => number): TransferWire {
  const t = record(v, 'transfer');
  return {
    family: str(t.family, 'family', maxKey),
    metric: str(t.metric, 'metric', maxKey),
    backward: finiteOrNull(t.backward, 'backward'),
    id: finiteOrNull(t.id, 'id'),
    forward: finiteOrNull(t.forward, 'forward'),
    perStep: arr(
      t.perStep,
      'perStep',
      (p) => {
        const r = record(p, 'perStep');
        return {
          year: step(r.year),
          backward: finiteOrNull(r.backward, 'backward'),
          id: finiteOrNull(r.id, 'id'),
          forward: finiteOrNull(r.forward, 'forward'),
          ...(r.cells === undefined ? {} : { cells: parseCells(r.cells, 'cells') }),
        };
      },
      maxSteps,
    ),
    ...(t.cells === undefined ? {} : { cells: parseCells(t.cells, 'cells') }),
    ...(t.fullCells === undefined ? {} : { fullCells: parseCells(t.fullCells, 'fullCells') }),
  };
}

/** A matrix has at most 102 × 102 cells (parseMatrix). */
function parseCells(v: unknown, what: string): TransferCellsWire {
  const c = record(v, what);
  const most = maxSteps * maxColumns;
  return {
    id: int(c.id, `${what}.id`, 0, most),
    backward: int(c.backward, `${what}.backward`, 0, most),
    forward: int(c.forward, `${what}.forward`, 0, most),
  };
}

/** Eval years 2014…2023 of a monthly chain's roll-up (the years of the TiC months). */
const rollupYear = (v: unknown, what = 'year'): number => {
  const n = year(v, what);
  return ticMonths.some((m) => Math.floor(m / 100) === n) ? n : fail(`${what} has no TiC months`);
};

function parseBranch(v: unknown): ChainBranchWire {
  const b = record(v, 'branch');
  return {
    year: year(b.year, 'branch.year'),
    chain: nullable(b.chain, (x) => str(x, 'branch.chain', maxKey)),
    label: str(b.label, 'branch.label', maxKey),
  };
}

/**
 * A chain of the timescale its list holds (`chains`: yearly, `monthlyChains`: monthly): a monthly chain says so,
 * its steps are TiC months and only it may carry a branch and a roll-up.
 */
function parseChain(v: unknown, expected: TimescaleWire): ChainWire {
  const c = record(v, 'chain');
  const timescale = c.timescale === undefined ? 'yearly' : oneOf(c.timescale, 'timescale', timescales);
  if (timescale !== expected) fail(`a ${timescale} chain among the ${expected} chains`);
  if (timescale === 'yearly' && (c.branch !== undefined || c.rollup !== undefined))
    fail('a yearly chain with a branch or a roll-up');
  const step = stepOf(timescale);
  const evalColumn = timescale === 'monthly' ? month : year;
  return {
    key: str(c.key, 'key', maxKey),
    label: str(c.label, 'label', maxKey),
    strategy: str(c.strategy, 'strategy', maxKey),
    variant: nullable(c.variant, (x) => str(x, 'variant', maxKey)),
    forkedFrom: nullable(c.forkedFrom, (x) => {
      const f = record(x, 'forkedFrom');
      return { chain: str(f.chain, 'chain', maxKey), year: step(f.year) };
    }),
    root: nullable(c.root, (x) => str(x, 'root', maxPath)),
    steps: arr(c.steps, 'steps', (s) => parseStep(s, step), maxSteps),
    matrices: arr(c.matrices, 'matrices', (m) => parseMatrix(m, step, evalColumn), 100),
    transfer: arr(c.transfer, 'transfer', (t) => parseTransfer(t, step), 100),
    imagenet: arr(
      c.imagenet,
      'imagenet',
      (i) => {
        const r = record(i, 'imagenet');
        return {
          year: step(r.year),
          top1: finiteOrNull(r.top1, 'top1'),
          top5: finiteOrNull(r.top5, 'top5'),
          source: str(r.source, 'source', maxPath),
          ...(r.epoch === undefined ? {} : { epoch: nullable(r.epoch, (x) => int(x, 'epoch', 0, 100_000)) }),
        };
      },
      // Two per step at most: the training-time zero-shot and evaluate.py's imagenet1k.
      2 * maxSteps,
    ),
    otherTasks: arr(
      c.otherTasks,
      'otherTasks',
      (o) => {
        const r = record(o, 'otherTask');
        return {
          year: step(r.year),
          key: str(r.key, 'key', maxKey),
          dataset: str(r.dataset, 'dataset', maxKey),
          value: finiteOrNull(r.value, 'value'),
        };
      },
      10_000,
    ),
    ...(c.compute === undefined ? {} : { compute: parseCompute(c.compute) }),
    ...(c.timescale === undefined ? {} : { timescale }),
    ...(c.branch === undefined ? {} : { branch: nullable(c.branch, parseBranch) }),
    ...(c.rollup === undefined
      ? {}
      : { rollup: arr(c.rollup, 'rollup', (m) => parseMatrix(m, step, rollupYear), 100) }),
  };
}

function parseSeries(v: unknown): LossSeriesWire {
  const s = record(v, 'series');
  const x = numbers(s.x, 'x');
  const y = numbers(s.y, 'y');
  const smoothed = nullable(s.smoothed, (a) => numbers(a, 'smoothed'));
  if (y.length !== x.length || (smoothed !== null && smoothed.length !== x.length)) fail('series lengths differ');
  return {
    chain: str(s.chain, 'chain', maxKey),
    x,
    y,
    smoothed,
    stepStarts: parseStepStarts(s.stepStarts),
    extent: parseExtent(s.extent),
    total: int(s.total, 'total', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** %TypedArray%.prototype's own tag: the array's real kind (a plain object or a DataView has none), in any realm. */
const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Float64Array.prototype),
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

/**
 * A column of a live push: a real Float64Array (not a look-alike, not another element type) of at most maxPoints
 * numbers over a buffer no larger than that; each value finite, or NaN (a gap) where `gaps` allows.
 */
function float64Column(v: unknown, what: string, gaps: boolean): Float64Array {
  if (typedArrayTag.call(v) !== 'Float64Array') fail(`${what} is not a Float64Array`);
  const a = v as Float64Array;
  if (a.length > maxPoints || a.buffer.byteLength > maxPoints * Float64Array.BYTES_PER_ELEMENT)
    fail(`${what} has more than ${maxPoints} points`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isFinite(x) && !(gaps && Number.isNaN(x))) fail(`${what} is not finite`);
  }
  return a;
}

function parseStepStarts(v: unknown): StepStartWire[] {
  return arr(
    v,
    'stepStarts',
    (p) => {
      const r = record(p, 'stepStart');
      return { year: yearOrMonth(r.year), x: num(r.x, 'stepStart.x') };
    },
    maxSteps,
  );
}

function parseExtent(v: unknown): [number, number] {
  const extent = arr(v, 'extent', (e) => num(e, 'extent'), 2);
  if (extent.length !== 2) fail('extent is not [min, max]');
  return [extent[0]!, extent[1]!];
}

/** A series of a live push: its columns as typed arrays of one length, at most maxPoints each. */
function parseBinarySeries(v: unknown): LossSeriesBinary {
  const s = record(v, 'series');
  exact(s, ['chain', 'x', 'y', 'smoothed', 'stepStarts', 'extent', 'total']);
  const x = float64Column(s.x, 'x', false);
  const y = float64Column(s.y, 'y', true);
  const smoothed = nullable(s.smoothed, (a) => float64Column(a, 'smoothed', true));
  if (y.length !== x.length || (smoothed !== null && smoothed.length !== x.length)) fail('series lengths differ');
  const total = int(s.total, 'total', 0, Number.MAX_SAFE_INTEGER);
  if (x.length > total) fail('more points than the series has');
  return {
    chain: str(s.chain, 'chain', maxKey),
    x,
    y,
    smoothed,
    stepStarts: parseStepStarts(s.stepStarts),
    extent: parseExtent(s.extent),
    total,
  };
}

/** The parser of each message the host sends (a message type without one does not compile). */
export const hostToDashboardParsers: ParserTable<HostToDashboard> = {
  init: (m) => ({
    type: 'init',
    version: str(m.version, 'version', 100),
    workspaceName: nullable(m.workspaceName, (x) => str(x, 'workspaceName', maxPath)),
    trusted: bool(m.trusted, 'trusted'),
  }),
  snapshot: (m) => ({
    type: 'snapshot',
    firstStep: oneOf(m.firstStep, 'firstStep', firstStepModes),
    dataVolume: arr(
      m.dataVolume,
      'dataVolume',
      (d) => {
        const r = record(d, 'dataVolume');
        return {
          year: year(r.year),
          samples: num(r.samples, 'samples'),
          approximate: bool(r.approximate, 'approximate'),
        };
      },
      100,
    ),
    chains: arr(m.chains, 'chains', (c) => parseChain(c, 'yearly'), maxChains),
    ...(m.monthlyChains === undefined
      ? {}
      : { monthlyChains: arr(m.monthlyChains, 'monthlyChains', (c) => parseChain(c, 'monthly'), maxChains) }),
    notice: nullable(m.notice, (x) => str(x, 'notice', 2000)),
  }),
  losses: (m) => ({
    type: 'losses',
    requestId: requestId(m.requestId),
    field: oneOf(m.field, 'field', lossFields),
    axis: oneOf(m.axis, 'axis', lossAxes),
    series: arr(m.series, 'series', parseSeries, maxChains),
    ...(m.partial === undefined ? {} : { partial: bool(m.partial, 'partial') }),
  }),
  lossesChanged: (m) => ({
    type: 'lossesChanged',
    chains: arr(m.chains, 'chains', (c) => str(c, 'chain', maxKey), maxChains),
  }),
  lossesLive: (m) => {
    exact(m, ['type', 'view', 'noticedAt', 'series']);
    const v = record(m.view, 'view');
    exact(v, ['field', 'axis', 'x0', 'x1', 'buckets', 'smoothing', 'emaPerStep']);
    const series = arr(m.series, 'series', parseBinarySeries, maxChains);
    if (new Set(series.map((s) => s.chain)).size !== series.length) fail('a chain twice in one push');
    const numbers = series.reduce((n, s) => n + s.x.length * (s.smoothed === null ? 2 : 3), 0);
    if (numbers > maxLiveNumbers) fail(`more than ${maxLiveNumbers} numbers in one push`);
    const noticedAt = num(m.noticedAt, 'noticedAt');
    if (!Number.isFinite(noticedAt) || noticedAt < 0) fail('noticedAt is not a time');
    return { type: 'lossesLive', view: parseLossView(v), noticedAt, series };
  },
  exported: (m) => ({
    type: 'exported',
    requestId: requestId(m.requestId),
    path: nullable(m.path, (x) => str(x, 'path', maxPath)),
    error: nullable(m.error, (x) => str(x, 'error', 2000)),
  }),
};

/** Checks a message that came from the host. */
export function parseHostMessage(raw: unknown): HostToDashboard | ProtocolError {
  return attempt(() => parseByType(hostToDashboardParsers, raw, () => fail('unknown type')));
}

/**
 * A series for the live push: its columns copied into Float64Arrays of their own (each owns a buffer of exactly its
 * size: VS Code sends a typed array's whole buffer).
 */
export function lossSeriesToBinary(s: LossSeriesWire): LossSeriesBinary {
  return {
    chain: s.chain,
    x: Float64Array.from(s.x),
    y: Float64Array.from(s.y),
    smoothed: s.smoothed === null ? null : Float64Array.from(s.smoothed),
    stepStarts: s.stepStarts.map((p) => ({ year: p.year, x: p.x })),
    extent: [s.extent[0], s.extent[1]],
    total: s.total,
  };
}

/** A pushed series as the chart draws every series (plain arrays, NaN for a gap: what a `losses` reply parses to). */
export function lossSeriesFromBinary(s: LossSeriesBinary): LossSeriesWire {
  return {
    chain: s.chain,
    x: Array.from(s.x),
    y: Array.from(s.y),
    smoothed: s.smoothed === null ? null : Array.from(s.smoothed),
    stepStarts: s.stepStarts,
    extent: s.extent,
    total: s.total,
  };
}

/** Whether two views of the loss chart are the same (a live push is only merged into data of its own view). */
export function sameLossView(a: LossView, b: LossView): boolean {
  return (
    a.field === b.field &&
    a.axis === b.axis &&
    a.x0 === b.x0 &&
    a.x1 === b.x1 &&
    a.buckets === b.buckets &&
    a.smoothing === b.smoothing &&
    a.emaPerStep === b.emaPerStep
  );
}
