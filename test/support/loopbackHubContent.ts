import { createCipheriv, createHash } from 'node:crypto';

/**
 * File bodies for the loopback Hub: either fixed bytes (small text files) or deterministic pseudo-random bytes
 * generated on the fly for any range, so a 2 GB checkpoint is never stored. Generated content is a sequence of
 * 64 KiB blocks, each a window into a 1 MiB pool derived from the seed (sha256 in counter mode), chosen by a hash
 * of the block index: cheap to produce (zero-copy views), different for every seed, with real hashes.
 */
export interface LoopbackContent {
  readonly size: number;
  /** The bytes of [start, end) as a few views (each at most 64 KiB for generated content). */
  slices(start: number, end: number): Iterable<Buffer>;
  /** The bytes of [start, end) in one buffer (small ranges only). */
  bytes(start?: number, end?: number): Buffer;
  sha256(): string;
  /** git's blob sha1: sha1("blob <size>\0" + bytes), the ETag the Hub sends for non-LFS files. */
  gitSha1(): string;
}

const block = 1 << 16;
const poolSize = 1 << 20;
const pools = new Map<number, Buffer>();

function pool(seed: number): Buffer {
  let p = pools.get(seed);
  if (!p) {
    // AES-128-CTR keystream keyed by the seed: a megabyte of pseudo-random bytes in about a millisecond.
    const key = createHash('sha256').update(`loopback-hub:${seed}`).digest().subarray(0, 16);
    p = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(poolSize + block));
    pools.set(seed, p);
  }
  return p;
}

function blockOffset(seed: number, index: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed + 1, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 16;
  return (h >>> 0) % poolSize;
}

function hashOf(content: LoopbackContent, algorithm: 'sha256' | 'sha1', prefix?: string): string {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for (const slice of content.slices(0, content.size)) hash.update(slice);
  return hash.digest('hex');
}

export class GeneratedContent implements LoopbackContent {
  #sha256: string | undefined;
  #gitSha1: string | undefined;

  constructor(
    readonly seed: number,
    readonly size: number,
  ) {}

  *slices(start: number, end: number): Iterable<Buffer> {
    const p = pool(this.seed);
    let at = Math.max(0, start);
    const stop = Math.min(end, this.size);
    while (at < stop) {
      const index = Math.floor(at / block);
      const within = at - index * block;
      const n = Math.min(block - within, stop - at);
      const offset = blockOffset(this.seed, index) + within;
      yield p.subarray(offset, offset + n);
      at += n;
    }
  }

  /** Streams all bytes once (≈3 s for 2 GB); remembered afterwards. */
  sha256(): string {
    return (this.#sha256 ??= hashOf(this, 'sha256'));
  }

  gitSha1(): string {
    return (this.#gitSha1 ??= hashOf(this, 'sha1', `blob ${this.size}\0`));
  }

  /** All bytes in one buffer (small files only). */
  bytes(start = 0, end = this.size): Buffer {
    return Buffer.concat([...this.slices(start, end)]);
  }
}

export class FixedContent implements LoopbackContent {
  readonly size: number;

  constructor(readonly data: Buffer) {
    this.size = data.length;
  }

  *slices(start: number, end: number): Iterable<Buffer> {
    if (end > start) yield this.data.subarray(start, end);
  }

  bytes(start = 0, end = this.size): Buffer {
    return this.data.subarray(start, end);
  }

  sha256(): string {
    return createHash('sha256').update(this.data).digest('hex');
  }

  gitSha1(): string {
    return createHash('sha1').update(`blob ${this.size}\0`).update(this.data).digest('hex');
  }
}
