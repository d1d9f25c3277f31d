/**
 * Hard limits that keep the reader bounded in time and memory on hostile files. Every size or count a file
 * declares is checked against these before anything is allocated. The defaults are far above what real
 * OpenCLIP checkpoints need (contracts §2.6: data.pkl ≈ 126 KB, 1,208 zip entries for ViT-B-32; ViT-L-14 has
 * ≈ 2.7 k entries) and low enough that the worst case stays well under a gigabyte of memory.
 */
export interface CheckpointLimits {
  /** Bytes of one pickle stream (data.pkl, or one legacy pickle). */
  readonly maxPickleBytes: number;
  /** Entries in the pickle memo. */
  readonly maxMemoEntries: number;
  /** Items on the pickle stack, all MARK frames together. */
  readonly maxStackItems: number;
  /** Open MARKs at one time. */
  readonly maxMarkDepth: number;
  /** Nesting depth of containers built from the stack, and the depth every tree walker descends to. */
  readonly maxNestingDepth: number;
  /** Values created by one pickle (objects, strings, container slots): the allocation budget. */
  readonly maxValues: number;
  /** Declared length of one string or bytes value in a pickle, and of one protocol-0 text line. */
  readonly maxStringBytes: number;
  /** Bytes of one arbitrary-precision integer (LONG1/LONG4); larger ones cost quadratic time to decode. */
  readonly maxLongBytes: number;
  /** Dimensions of one tensor. */
  readonly maxTensorRank: number;
  /** Tensors in one checkpoint. */
  readonly maxTensors: number;
  /** Entries in one zip central directory. */
  readonly maxZipEntries: number;
  /** Bytes of the zip central directory. */
  readonly maxCentralDirectoryBytes: number;
  /** Uncompressed bytes we agree to inflate for one deflated zip entry. */
  readonly maxInflateBytes: number;
  /** Bytes of a safetensors JSON header (the format's own reference reader refuses more than 100 MB). */
  readonly maxHeaderJsonBytes: number;
  /** Elements returned by one readTensor call (a Float64Array of this many elements is 8× the bytes). */
  readonly maxTensorElements: number;
  /** Bytes of storage one non-contiguous tensor read may hold in memory at once. */
  readonly maxGatherBytes: number;
}

export const defaultLimits: CheckpointLimits = Object.freeze({
  maxPickleBytes: 64 * 1024 * 1024,
  maxMemoEntries: 1_000_000,
  maxStackItems: 1_000_000,
  maxMarkDepth: 10_000,
  maxNestingDepth: 1_000,
  maxValues: 4_000_000,
  maxStringBytes: 16 * 1024 * 1024,
  maxLongBytes: 256,
  maxTensorRank: 64,
  maxTensors: 1_000_000,
  maxZipEntries: 200_000,
  maxCentralDirectoryBytes: 64 * 1024 * 1024,
  maxInflateBytes: 64 * 1024 * 1024,
  maxHeaderJsonBytes: 100 * 1024 * 1024,
  maxTensorElements: 128 * 1024 * 1024,
  maxGatherBytes: 256 * 1024 * 1024,
});

/** Defaults with some limits replaced (tests lower them to exercise the guards cheaply). */
export function resolveLimits(overrides?: Partial<CheckpointLimits>): CheckpointLimits {
  return overrides === undefined ? defaultLimits : Object.freeze({ ...defaultLimits, ...overrides });
}
