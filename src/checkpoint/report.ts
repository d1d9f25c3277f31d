import type { Checkpoint, CheckpointFormat } from './readers/checkpoint';
import { checkpointClock } from './base/clock';
import {
  checkpointWarning,
  type CheckpointWarning,
  type CheckpointWarningKind,
  type CheckpointWarningSeverity,
} from './base/checkpointWarning';
import { inferClipArchitecture, type ClipArchitecture } from './clipArchitecture';
import { towerOf, type ClipTower } from './clipTowers';
import { openCheckpoint, type OpenCheckpointOptions } from './readers/openCheckpoint';
import {
  asNumber,
  dictGet,
  isDict,
  isPickleObject,
  isSequence,
  keySegment,
  type PickleDict,
  type PickleValue,
} from './base/pickleValues';
import { findStateDict } from './stateDict';
import { readTensor } from './tensorData';
import { isContiguous, tensorByteSize } from './base/tensorRef';
import { toPlainValue, visitTensors, type PlainValue } from './treeWalk';

/**
 * A JSON-serialisable summary of a checkpoint: what the `.pt` editor shows and `tic-studio inspect` prints.
 * It is built from the pickle alone (shapes, contracts §2.6) plus at most one tiny tensor read (the optimizer
 * step), so inspecting a 1.8 GB training checkpoint reads a few hundred KB.
 */
export interface CheckpointReport {
  readonly format: CheckpointFormat;
  readonly file: { readonly path: string; readonly size: number };
  /** torch-zip root folder (`epoch_2`, `tmp`, `archive`…), else null. */
  readonly zipRoot: string | null;
  readonly pickleProtocol: number | null;
  /** Every global the pickle names, dangerous ones included. */
  readonly pickleGlobals: readonly string[];
  readonly formatVersion: string | null;
  /** Keys of the root dict, in order. */
  readonly topLevelKeys: readonly string[];
  /** Root entries whose values are scalars (epoch, name…); Python ints beyond 2^53 as decimal strings. */
  readonly topLevel: Readonly<Record<string, string | number | boolean | null>>;
  /** Keys from the root to the state dict: ['state_dict'], ['model'], [] for a bare state dict; null if none. */
  readonly stateDictPath: readonly string[] | null;
  readonly stripPrefix: 'module.' | null;
  readonly tensors: readonly ReportTensor[];
  readonly totalParams: number;
  readonly totalBytes: number;
  readonly paramsByTower: Readonly<Record<ClipTower, number>>;
  readonly architecture: ClipArchitecture | null;
  readonly optimizer: OptimizerSummary | null;
  /** The GradScaler state (`{}` on CPU runs, contracts §2.6), or null when the checkpoint has none. */
  readonly scaler: PlainValue | null;
  /** safetensors `__metadata__`. */
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly warnings: readonly ReportWarning[];
  readonly stats: { readonly bytesRead: number; readonly elapsedMs: number };
}

export interface ReportTensor {
  /** After stripping `module.`. */
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  readonly bytes: number;
  readonly storageKey: string;
  readonly storageOffset: number;
  readonly stride: readonly number[];
  readonly contiguous: boolean;
}

export interface OptimizerSummary {
  readonly paramGroups: readonly ParamGroupSummary[];
  /** Entries of `optimizer.state` (one per parameter that has taken a step). */
  readonly stateEntries: number;
  /** The `step` of the first state entry: optimizer steps taken. */
  readonly stepCount: number | null;
  /** Bytes of all tensors in `optimizer.state` (exp_avg, exp_avg_sq…). */
  readonly stateBytes: number;
}

export interface ParamGroupSummary {
  readonly lr: number | null;
  readonly betas: readonly number[] | null;
  readonly eps: number | null;
  readonly weightDecay: number | null;
  /** How many parameters the group holds. */
  readonly params: number;
}

export interface ReportWarning {
  readonly kind: CheckpointWarningKind;
  readonly severity: CheckpointWarningSeverity;
  readonly detail: string;
}

export interface InspectOptions extends OpenCheckpointOptions {
  /** Read the optimizer's first `step` tensor (a few bytes) for stepCount. Default true. */
  readonly readStep?: boolean;
}

/** Opens, summarises and closes a checkpoint. */
export async function inspectCheckpoint(path: string, options: InspectOptions = {}): Promise<CheckpointReport> {
  const started = checkpointClock();
  const checkpoint = await openCheckpoint(path, options);
  try {
    return await buildReport(checkpoint, { ...options, startedAt: started });
  } finally {
    await checkpoint.close();
  }
}

/** The report of an already open checkpoint. */
export async function buildReport(
  checkpoint: Checkpoint,
  /** `startedAt`: a checkpointClock() reading to count stats.elapsedMs from (default: now). */
  options: { readonly readStep?: boolean; readonly startedAt?: number } = {},
): Promise<CheckpointReport> {
  const started = options.startedAt ?? checkpointClock();
  const warnings: CheckpointWarning[] = [...checkpoint.warnings];
  const warn = (warning: CheckpointWarning): void => {
    warnings.push(warning);
  };
  const root = checkpoint.root;
  const walkDepth = Math.min(checkpoint.limits.maxNestingDepth, 64);

  const stateDict = findStateDict(root);
  if (stateDict === null) {
    warn(checkpointWarning('noStateDict', 'no dict of tensors under state_dict, model or the top level'));
  }
  const tensors: ReportTensor[] = (stateDict?.tensors ?? []).map(({ name, tensor }) => ({
    name,
    dtype: tensor.dtype,
    shape: [...tensor.shape],
    numel: tensor.numel,
    bytes: tensorByteSize(tensor),
    storageKey: tensor.storage.key,
    storageOffset: tensor.storageOffset,
    stride: [...tensor.stride],
    contiguous: isContiguous(tensor),
  }));
  const paramsByTower: Record<ClipTower, number> = { visual: 0, text: 0, other: 0 };
  for (const tensor of tensors) {
    paramsByTower[towerOf(tensor.name)] += tensor.numel;
  }

  const optimizer = isDict(root) ? dictGet(root, 'optimizer') : undefined;
  const scaler = isDict(root) ? dictGet(root, 'scaler') : undefined;

  return {
    format: checkpoint.format,
    file: { path: checkpoint.path, size: checkpoint.fileSize },
    zipRoot: checkpoint.zipRoot,
    pickleProtocol: checkpoint.pickleProtocol,
    pickleGlobals: [...checkpoint.pickleGlobals],
    formatVersion: checkpoint.formatVersion,
    topLevelKeys: isDict(root) ? root.entries.map(([key], i) => keySegment(key) ?? `[${i}]`) : [],
    topLevel: isDict(root) ? scalarEntries(root) : {},
    stateDictPath: stateDict === null ? null : [...stateDict.path],
    stripPrefix: stateDict?.stripPrefix ?? null,
    tensors,
    totalParams: tensors.reduce((sum, t) => sum + t.numel, 0),
    totalBytes: tensors.reduce((sum, t) => sum + t.bytes, 0),
    paramsByTower,
    architecture: inferClipArchitecture(new Map(tensors.map((t) => [t.name, t.shape]))),
    optimizer:
      optimizer !== undefined && isDict(optimizer)
        ? await summariseOptimizer(checkpoint, optimizer, { readStep: options.readStep ?? true, walkDepth, warn })
        : null,
    scaler: scaler === undefined ? null : toPlainValue(scaler, 8),
    metadata: checkpoint.metadata === null ? null : { ...checkpoint.metadata },
    warnings: warnings.map(({ kind, severity, detail }) => ({ kind, severity, detail })),
    stats: { bytesRead: checkpoint.bytesRead, elapsedMs: Math.round(checkpointClock() - started) },
  };
}

function scalarEntries(root: PickleDict): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  root.entries.forEach(([key, value], i) => {
    const name = keySegment(key) ?? `[${i}]`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      out[name] = value;
    } else if (typeof value === 'number') {
      out[name] = Number.isFinite(value) ? value : String(value);
    } else if (typeof value === 'bigint') {
      out[name] = value.toString();
    } else if (isPickleObject(value) && value.kind === 'path') {
      out[name] = value.path;
    }
  });
  return out;
}

/** torch Optimizer.state_dict(): `{state: {index: {step, exp_avg, …}}, param_groups: [{lr, betas, …, params}]}`. */
async function summariseOptimizer(
  checkpoint: Checkpoint,
  optimizer: PickleDict,
  options: { readStep: boolean; walkDepth: number; warn: (warning: CheckpointWarning) => void },
): Promise<OptimizerSummary> {
  const groups = dictGet(optimizer, 'param_groups');
  const paramGroups: ParamGroupSummary[] = [];
  if (groups !== undefined && isSequence(groups)) {
    for (const group of groups.items) {
      if (!isDict(group)) {
        continue;
      }
      const betas = dictGet(group, 'betas');
      const params = dictGet(group, 'params');
      paramGroups.push({
        // lr is a numpy.float64 set by the cosine scheduler (contracts §2.6); it arrives decoded.
        lr: asNumber(dictGet(group, 'lr')) ?? null,
        betas:
          betas !== undefined && isSequence(betas)
            ? betas.items.map((b) => asNumber(b) ?? NaN).filter((b) => !Number.isNaN(b))
            : null,
        eps: asNumber(dictGet(group, 'eps')) ?? null,
        weightDecay: asNumber(dictGet(group, 'weight_decay')) ?? null,
        params: params !== undefined && isSequence(params) ? params.items.length : 0,
      });
    }
  }
  const state = dictGet(optimizer, 'state');
  const stateDict = state !== undefined && isDict(state) ? state : undefined;
  // Only the bytes are reported: visit the ~3 tensors per parameter without naming each one.
  let stateBytes = 0;
  if (stateDict !== undefined) {
    visitTensors(stateDict, { maxDepth: options.walkDepth, warn: options.warn }, (tensor) => {
      stateBytes += tensorByteSize(tensor);
    });
  }
  return {
    paramGroups,
    stateEntries: stateDict?.entries.length ?? 0,
    stepCount: stateDict === undefined ? null : await firstStep(checkpoint, stateDict, options.readStep, options.warn),
    stateBytes,
  };
}

/** `step` is a plain number in old torch and a one-element float tensor since torch 1.12. */
async function firstStep(
  checkpoint: Checkpoint,
  state: PickleDict,
  readStep: boolean,
  warn: (warning: CheckpointWarning) => void,
): Promise<number | null> {
  const first = state.entries[0]?.[1];
  if (first === undefined || !isDict(first)) {
    return null;
  }
  const step: PickleValue | undefined = dictGet(first, 'step');
  const plain = asNumber(step);
  if (plain !== undefined) {
    return plain;
  }
  if (readStep && step !== undefined && isPickleObject(step) && step.kind === 'tensor' && step.numel === 1) {
    try {
      const [value] = await readTensor(checkpoint, step);
      return value ?? null;
    } catch (error) {
      // A step we cannot read (exotic dtype, damaged storage) is not worth failing the whole report for.
      warn(
        checkpointWarning('partiallyUnderstood', `the optimizer step could not be read: ${(error as Error).message}`),
      );
      return null;
    }
  }
  return null;
}
