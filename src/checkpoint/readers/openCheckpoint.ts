import type { Checkpoint } from './checkpoint';
import { CheckpointError } from '../base/checkpointError';
import { readLegacyTorch } from './legacyReader';
import { resolveLimits, type CheckpointLimits } from '../base/limits';
import { RandomAccessFile } from '../base/randomAccessFile';
import { readSafetensors } from './safetensorsReader';
import { readTorchZip } from './torchZipReader';

export interface OpenCheckpointOptions {
  /** Replacements for some of the hard limits (limits.ts). */
  readonly limits?: Partial<CheckpointLimits>;
  /** Read with synchronous calls: for the CLI only (RandomAccessOptions.synchronous). */
  readonly synchronousReads?: boolean;
}

type Sniffed = 'torch-zip' | 'torch-legacy' | 'safetensors';

/**
 * Opens a checkpoint of any supported format, recognised by its first bytes rather than its extension (an
 * OpenCLIP `.pt` is a zip, an older one a bare pickle, a `.bin` may be either). Reads only the structure:
 * tensor values come later through readTensor. Any content ends in a Checkpoint or a CheckpointError; a path
 * that cannot be opened fails with the file system's own error.
 */
export async function openCheckpoint(path: string, options: OpenCheckpointOptions = {}): Promise<Checkpoint> {
  const limits = resolveLimits(options.limits);
  const file = await RandomAccessFile.open(path, { synchronous: options.synchronousReads === true });
  try {
    switch (await sniffFormat(file)) {
      case 'torch-zip':
        return await readTorchZip(file, limits);
      case 'torch-legacy':
        return await readLegacyTorch(file, limits);
      case 'safetensors':
        return await readSafetensors(file, limits);
    }
  } catch (error) {
    await file.close();
    throw error;
  }
}

const zipLocalHeader = [0x50, 0x4b, 0x03, 0x04];
const zipEmptyArchive = [0x50, 0x4b, 0x05, 0x06];
/** Pickle opcodes a legacy torch file can start with: PROTO (torch's default protocol 2), or LONG/INT for 0/1. */
const pickleStarts = new Set([0x80, 0x4c, 0x49, 0x8a]);

async function sniffFormat(file: RandomAccessFile): Promise<Sniffed> {
  if (file.size === 0) {
    throw new CheckpointError('truncated', 'the file is empty');
  }
  const head = await file.read(0, Math.min(file.size, 16), 'the start of the file');
  const startsWith = (magic: number[]): boolean => magic.every((byte, i) => i >= head.length || head[i] === byte);
  if (startsWith(zipLocalHeader) || startsWith(zipEmptyArchive)) {
    if (head.length < 4) {
      throw new CheckpointError('truncated', 'the file stops inside the zip signature');
    }
    return 'torch-zip';
  }
  if (head.length >= 9 && head[8] === 0x7b && head.readUInt32LE(4) < 0x200000) {
    // safetensors: a small little-endian length, then the JSON header's '{'.
    return 'safetensors';
  }
  if (pickleStarts.has(head[0] as number)) {
    return 'torch-legacy';
  }
  if (file.size > 262) {
    const tarMagic = await file.read(257, 5, 'a tar header');
    if (tarMagic.toString('latin1') === 'ustar') {
      throw new CheckpointError('unsupported', 'tar checkpoints (torch before 0.4) are not supported');
    }
  }
  throw new CheckpointError('notACheckpoint', 'not a PyTorch zip, legacy torch pickle or safetensors file');
}
