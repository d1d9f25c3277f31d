import { createHash, type Hash } from 'node:crypto';
import type { BlobHashKind } from '../http/fileMetadata';

/**
 * The incremental hash a blob's name promises: sha256 of the bytes for LFS files, git's blob sha1
 * (`sha1("blob <size>\0" + bytes)`) for small files. Fed in file order, so a resume first streams the bytes
 * already on disk through it.
 */
export class BlobHasher {
  #hash: Hash;

  constructor(
    readonly kind: BlobHashKind,
    readonly size: number,
  ) {
    this.#hash = BlobHasher.#start(kind, size);
  }

  static #start(kind: BlobHashKind, size: number): Hash {
    const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
    if (kind === 'gitSha1') hash.update(`blob ${size}\0`);
    return hash;
  }

  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
  }

  /** Forget everything fed so far (a server that ignored Range: the transfer starts again from byte 0). */
  reset(): void {
    this.#hash = BlobHasher.#start(this.kind, this.size);
  }

  hex(): string {
    return this.#hash.digest('hex');
  }
}
