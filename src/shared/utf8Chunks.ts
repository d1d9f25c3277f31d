import { isAscii } from 'node:buffer';

/**
 * Decodes a byte stream to text chunk by chunk, holding back the bytes of a UTF-8 sequence split between chunks.
 * Faster than a streaming TextDecoder on logs (which are almost all ASCII): an ASCII chunk is decoded as latin1,
 * which is the same text, at memcpy speed; other chunks go through Buffer's UTF-8 decoder, which replaces invalid
 * bytes with U+FFFD exactly as TextDecoder does.
 */
export class Utf8Chunks {
  private carry: Buffer | null = null;

  decode(chunk: Uint8Array): string {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = null;
    }
    const end = completeEnd(buf);
    if (end < buf.length) this.carry = Buffer.from(buf.subarray(end));
    return decode(buf.subarray(0, end));
  }

  /** The held-back bytes of an unfinished sequence, as replacement characters. */
  flush(): string {
    const rest = this.carry;
    this.carry = null;
    return rest === null ? '' : rest.toString('utf8');
  }
}

function decode(buf: Buffer): string {
  return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
}

/** The length of `buf` without a trailing, possibly incomplete, multi-byte sequence. */
function completeEnd(buf: Buffer): number {
  const n = buf.length;
  let i = n - 1;
  // Up to 3 continuation bytes (10xxxxxx) can follow the lead byte of an unfinished 4-byte sequence.
  while (i >= 0 && n - i <= 3 && (buf[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const lead = buf[i]!;
  const need = lead >= 0xf8 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return n - i < need ? i : n;
}
