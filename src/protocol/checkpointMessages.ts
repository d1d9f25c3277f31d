/**
 * Host ⇄ webview messages of the checkpoint inspector and the checkpoint diff view, with their validators.
 * The report and diff shapes here are the wire form of src/checkpoint/report.ts and diff.ts (the host sends
 * those objects as they are; the webview checks them before rendering anything).
 */
import {
  arr,
  attempt,
  fail,
  nullable,
  num,
  oneOf,
  parseByType,
  record,
  str,
  type ParserTable,
  type ProtocolError,
} from './validate';

export interface TensorRowWire {
  name: string;
  dtype: string;
  shape: number[];
  numel: number;
  bytes: number;
}

export interface ArchitectureWire {
  name: string | null;
  patchSize: number | null;
  visionWidth: number | null;
  visionLayers: number | null;
  imageSize: number | null;
  embedDim: number | null;
  contextLength: number | null;
  vocabSize: number | null;
  textWidth: number | null;
  textLayers: number | null;
}

export interface ParamGroupWire {
  lr: number | null;
  betas: number[] | null;
  eps: number | null;
  weightDecay: number | null;
  params: number;
}

export interface OptimizerWire {
  paramGroups: ParamGroupWire[];
  stateEntries: number;
  stepCount: number | null;
  stateBytes: number;
}

export interface WarningWire {
  kind: string;
  detail: string;
}

export type ScalarWire = string | number | boolean | null;

export interface ReportWire {
  format: 'torch-zip' | 'torch-legacy' | 'safetensors';
  file: { path: string; size: number };
  topLevel: Record<string, ScalarWire>;
  /** Keys from the root to the state dict ([] = the root itself), or null when there is none. */
  stateDictPath: string[] | null;
  stripPrefix: string | null;
  tensors: TensorRowWire[];
  totalParams: number;
  paramsByTower: { visual: number; text: number; other: number };
  architecture: ArchitectureWire | null;
  optimizer: OptimizerWire | null;
  warnings: WarningWire[];
  stats: { bytesRead: number; elapsedMs: number };
}

export interface TensorDeltaWire {
  name: string;
  l2Delta: number;
  relDelta: number | null;
  cosine: number | null;
}

export interface GroupDeltaWire {
  name: string;
  l2Delta: number;
  relDelta: number | null;
  tensors: number;
}

export interface DiffWire {
  a: string;
  b: string;
  tensors: TensorDeltaWire[];
  blocks: GroupDeltaWire[];
  towers: GroupDeltaWire[];
  onlyInA: string[];
  onlyInB: string[];
  shapeMismatch: { name: string; shapeA: number[]; shapeB: number[] }[];
}

export type InspectorToHost =
  { type: 'ready' } | { type: 'compareWith' } | { type: 'cancel' } | { type: 'copyText'; text: string };

export type HostToInspector =
  | { type: 'loading'; path: string }
  | { type: 'report'; report: ReportWire }
  | { type: 'diffProgress'; a: string; b: string; done: number; total: number }
  | { type: 'diff'; diff: DiffWire }
  | { type: 'error'; reason: string; message: string };

const maxTensors = 200_000;

/** The parser of each message the webview sends (a message type without one does not compile). */
export const inspectorToHostParsers: ParserTable<InspectorToHost> = {
  ready: () => ({ type: 'ready' }),
  compareWith: () => ({ type: 'compareWith' }),
  cancel: () => ({ type: 'cancel' }),
  copyText: (m) => ({ type: 'copyText', text: str(m.text, 'text', 1_000_000) }),
};

export function parseInspectorMessage(raw: unknown): InspectorToHost | ProtocolError {
  return attempt(() => parseByType(inspectorToHostParsers, raw, () => fail('unknown message type')));
}

const shape = (v: unknown, what: string): number[] => arr(v, what, (d) => num(d, `${what} dim`), 64);
const optNum = (v: unknown, what: string): number | null => nullable(v, (x) => num(x, what));

function parseArchitecture(v: unknown): ArchitectureWire {
  const a = record(v, 'architecture');
  return {
    name: nullable(a.name, (x) => str(x, 'architecture.name', 200)),
    patchSize: optNum(a.patchSize, 'patchSize'),
    visionWidth: optNum(a.visionWidth, 'visionWidth'),
    visionLayers: optNum(a.visionLayers, 'visionLayers'),
    imageSize: optNum(a.imageSize, 'imageSize'),
    embedDim: optNum(a.embedDim, 'embedDim'),
    contextLength: optNum(a.contextLength, 'contextLength'),
    vocabSize: optNum(a.vocabSize, 'vocabSize'),
    textWidth: optNum(a.textWidth, 'textWidth'),
    textLayers: optNum(a.textLayers, 'textLayers'),
  };
}

function parseOptimizer(v: unknown): OptimizerWire {
  const o = record(v, 'optimizer');
  return {
    paramGroups: arr(
      o.paramGroups,
      'paramGroups',
      (g) => {
        const r = record(g, 'paramGroup');
        return {
          lr: optNum(r.lr, 'lr'),
          betas: nullable(r.betas, (b) => arr(b, 'betas', (x) => num(x, 'beta'), 8)),
          eps: optNum(r.eps, 'eps'),
          weightDecay: optNum(r.weightDecay, 'weightDecay'),
          params: num(r.params, 'params'),
        };
      },
      1000,
    ),
    stateEntries: num(o.stateEntries, 'stateEntries'),
    stepCount: optNum(o.stepCount, 'stepCount'),
    stateBytes: num(o.stateBytes, 'stateBytes'),
  };
}

function scalar(v: unknown, what: string): ScalarWire {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  return str(v, what, 10_000);
}

export function parseReport(v: unknown): ReportWire {
  const r = record(v, 'report');
  const file = record(r.file, 'file');
  const towers = record(r.paramsByTower, 'paramsByTower');
  const stats = record(r.stats, 'stats');
  const topLevel: Record<string, ScalarWire> = {};
  for (const [k, value] of Object.entries(record(r.topLevel, 'topLevel')))
    topLevel[str(k, 'key', 1000)] = scalar(value, k);
  return {
    format: oneOf(r.format, 'format', ['torch-zip', 'torch-legacy', 'safetensors'] as const),
    file: { path: str(file.path, 'file.path', 10_000), size: num(file.size, 'file.size') },
    topLevel,
    stateDictPath: nullable(r.stateDictPath, (x) =>
      arr(x, 'stateDictPath', (k) => str(k, 'stateDictPath key', 10_000), 100),
    ),
    stripPrefix: nullable(r.stripPrefix, (x) => str(x, 'stripPrefix', 100)),
    tensors: arr(
      r.tensors,
      'tensors',
      (t) => {
        const row = record(t, 'tensor');
        return {
          name: str(row.name, 'tensor.name', 10_000),
          dtype: str(row.dtype, 'tensor.dtype', 50),
          shape: shape(row.shape, 'tensor.shape'),
          numel: num(row.numel, 'tensor.numel'),
          bytes: num(row.bytes, 'tensor.bytes'),
        };
      },
      maxTensors,
    ),
    totalParams: num(r.totalParams, 'totalParams'),
    paramsByTower: {
      visual: num(towers.visual, 'visual'),
      text: num(towers.text, 'text'),
      other: num(towers.other, 'other'),
    },
    architecture: nullable(r.architecture, parseArchitecture),
    optimizer: nullable(r.optimizer, parseOptimizer),
    warnings: arr(
      r.warnings,
      'warnings',
      (w) => {
        const x = record(w, 'warning');
        return { kind: str(x.kind, 'warning.kind', 100), detail: str(x.detail, 'warning.detail', 10_000) };
      },
      10_000,
    ),
    stats: { bytesRead: num(stats.bytesRead, 'bytesRead'), elapsedMs: num(stats.elapsedMs, 'elapsedMs') },
  };
}

function parseGroup(v: unknown): GroupDeltaWire {
  const g = record(v, 'group');
  return {
    name: str(g.name, 'group.name', 10_000),
    l2Delta: num(g.l2Delta, 'l2Delta'),
    relDelta: optNum(g.relDelta, 'relDelta'),
    tensors: num(g.tensors, 'tensors'),
  };
}

export function parseDiff(v: unknown): DiffWire {
  const d = record(v, 'diff');
  const names = (x: unknown, what: string): string[] => arr(x, what, (n) => str(n, what, 10_000), maxTensors);
  return {
    a: str(d.a, 'a', 10_000),
    b: str(d.b, 'b', 10_000),
    tensors: arr(
      d.tensors,
      'tensors',
      (t) => {
        const x = record(t, 'tensor');
        return {
          name: str(x.name, 'name', 10_000),
          l2Delta: num(x.l2Delta, 'l2Delta'),
          relDelta: optNum(x.relDelta, 'relDelta'),
          cosine: optNum(x.cosine, 'cosine'),
        };
      },
      maxTensors,
    ),
    blocks: arr(d.blocks, 'blocks', parseGroup, maxTensors),
    towers: arr(d.towers, 'towers', parseGroup, 100),
    onlyInA: names(d.onlyInA, 'onlyInA'),
    onlyInB: names(d.onlyInB, 'onlyInB'),
    shapeMismatch: arr(
      d.shapeMismatch,
      'shapeMismatch',
      (s) => {
        const x = record(s, 'mismatch');
        return {
          name: str(x.name, 'name', 10_000),
          shapeA: shape(x.shapeA, 'shapeA'),
          shapeB: shape(x.shapeB, 'shapeB'),
        };
      },
      maxTensors,
    ),
  };
}

/** The parser of each message the host sends (a message type without one does not compile). */
export const hostToInspectorParsers: ParserTable<HostToInspector> = {
  loading: (m) => ({ type: 'loading', path: str(m.path, 'path', 10_000) }),
  report: (m) => ({ type: 'report', report: parseReport(m.report) }),
  diffProgress: (m) => ({
    type: 'diffProgress',
    a: str(m.a, 'a', 10_000),
    b: str(m.b, 'b', 10_000),
    done: num(m.done, 'done'),
    total: num(m.total, 'total'),
  }),
  diff: (m) => ({ type: 'diff', diff: parseDiff(m.diff) }),
  error: (m) => ({
    type: 'error',
    reason: str(m.reason, 'reason', 100),
    message: str(m.message, 'message', 10_000),
  }),
};

export function parseHostToInspector(raw: unknown): HostToInspector | ProtocolError {
  return attempt(() => parseByType(hostToInspectorParsers, raw, () => fail('unknown message type')));
}
