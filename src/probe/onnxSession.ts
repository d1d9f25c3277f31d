import type * as OrtTypes from 'onnxruntime-node';
import { ProbeError } from './probeError';

/**
 * onnxruntime-node behind a lazy import (ARCHITECTURE.md rule 7): the native binding is loaded on the first
 * probe, so a missing or broken binding fails that probe with a 'runtimeUnavailable' ProbeError and never
 * the extension's activation.
 */
export type OrtModule = typeof OrtTypes;

/** How to load the runtime: the real `import('onnxruntime-node')` by default; tests pass their own. */
export type ImportRuntime = () => Promise<OrtModule>;

let cachedRuntime: Promise<OrtModule> | undefined;

const importOnnxRuntime: ImportRuntime = () => import('onnxruntime-node');

/** Load onnxruntime-node once; a failure is not cached, so a repaired installation works on the next try. */
export async function loadOnnxRuntime(importRuntime?: ImportRuntime): Promise<OrtModule> {
  if (importRuntime !== undefined) {
    return checkedRuntime(importRuntime);
  }
  cachedRuntime ??= checkedRuntime(importOnnxRuntime);
  try {
    return await cachedRuntime;
  } catch (error) {
    cachedRuntime = undefined;
    throw error;
  }
}

async function checkedRuntime(importRuntime: ImportRuntime): Promise<OrtModule> {
  let ort: OrtModule;
  try {
    ort = await importRuntime();
  } catch (error) {
    throw new ProbeError(
      'runtimeUnavailable',
      `ONNX Runtime (onnxruntime-node) cannot be loaded on this machine (${process.platform}-${process.arch}): ` +
        `${messageOf(error)}. The probe needs its native CPU binding; reinstall the extension or run the probe ` +
        'from the CLI where the binding is installed.',
      { cause: error },
    );
  }
  // An ES module namespace or a CommonJS export object: both carry the two classes we use.
  const candidate = ((ort as { default?: unknown }).default ?? ort) as Partial<OrtModule>;
  if (typeof candidate.InferenceSession?.create !== 'function' || typeof candidate.Tensor !== 'function') {
    throw new ProbeError('runtimeUnavailable', 'onnxruntime-node loaded, but it lacks InferenceSession / Tensor.');
  }
  return candidate as OrtModule;
}

export type TowerInput =
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly type: 'int64'; readonly data: BigInt64Array; readonly dims: readonly number[] }
  | { readonly type: 'int32'; readonly data: Int32Array; readonly dims: readonly number[] };

export interface TowerOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OnnxTowerOptions {
  readonly importRuntime?: ImportRuntime;
  /** Threads for one operator; default: onnxruntime's own choice (all cores). */
  readonly intraOpNumThreads?: number;
}

/** One ONNX graph with one tensor input and one float32 output (an image or a text tower), run on the CPU. */
export class OnnxTower {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtTypes.InferenceSession,
    readonly path: string,
    readonly inputName: string,
    /** The element type the graph declares for its input ('float32', 'int64', 'int32'…). */
    readonly inputType: string,
    readonly outputName: string,
  ) {}

  static async open(path: string, options: OnnxTowerOptions = {}): Promise<OnnxTower> {
    const ort = await loadOnnxRuntime(options.importRuntime);
    let session: OrtTypes.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      });
    } catch (error) {
      throw new ProbeError('inferenceFailed', `Cannot load the ONNX model ${path}: ${messageOf(error)}.`, {
        cause: error,
      });
    }
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    if (session.inputNames.length !== 1 || inputName === undefined || outputName === undefined) {
      await session.release().catch(() => undefined);
      throw new ProbeError(
        'inferenceFailed',
        `${path} must have exactly one input and at least one output (it has inputs ${JSON.stringify(session.inputNames)}).`,
      );
    }
    const metadata = session.inputMetadata.find((m) => m.name === inputName);
    const inputType = metadata?.isTensor === true ? metadata.type : 'unknown';
    return new OnnxTower(ort, session, path, inputName, inputType, outputName);
  }

  /** Run one batch; the first output must be a float32 tensor whose first dimension is the batch. */
  async run(input: TowerInput, signal?: AbortSignal): Promise<TowerOutput> {
    signal?.throwIfAborted();
    const tensor = this.toTensor(input);
    let results: OrtTypes.InferenceSession.ReturnType;
    try {
      results = await this.session.run({ [this.inputName]: tensor });
    } catch (error) {
      throw new ProbeError('inferenceFailed', `Running ${this.path} failed: ${messageOf(error)}.`, { cause: error });
    } finally {
      tensor.dispose();
    }
    signal?.throwIfAborted();
    const output = results[this.outputName];
    if (output === undefined || output.type !== 'float32' || !(output.data instanceof Float32Array)) {
      throw new ProbeError('inferenceFailed', `${this.path} returned no float32 output '${this.outputName}'.`);
    }
    const dims = [...output.dims];
    if (dims[0] !== input.dims[0]) {
      throw new ProbeError(
        'inferenceFailed',
        `${this.path} returned ${JSON.stringify(dims)} for a batch of ${input.dims[0]}: the first axis must be the batch.`,
      );
    }
    // Copy out of the runtime's buffer before releasing it.
    const data = Float32Array.from(output.data);
    for (const value of Object.values(results)) {
      value.dispose();
    }
    return { data, dims };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  private toTensor(input: TowerInput): OrtTypes.Tensor {
    const count = input.dims.reduce((a, b) => a * b, 1);
    if (input.data.length !== count) {
      throw new ProbeError('badInput', `A tensor of shape ${JSON.stringify(input.dims)} needs ${count} values.`);
    }
    // Text towers exported from torch take int64 ids; convert when the graph wants another integer type.
    if (input.type !== 'float32' && this.inputType !== input.type && this.inputType !== 'unknown') {
      if (this.inputType === 'int32' && input.type === 'int64') {
        return new this.ort.Tensor('int32', Int32Array.from(input.data, Number), input.dims);
      }
      if (this.inputType === 'int64' && input.type === 'int32') {
        return new this.ort.Tensor(
          'int64',
          BigInt64Array.from(input.data, (v) => BigInt(v)),
          input.dims,
        );
      }
    }
    if (this.inputType !== 'unknown' && this.inputType !== input.type) {
      throw new ProbeError('badInput', `${this.path} takes ${this.inputType} input, not ${input.type}.`);
    }
    return new this.ort.Tensor(input.type, input.data, input.dims);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
}
