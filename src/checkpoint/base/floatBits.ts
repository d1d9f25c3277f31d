/**
 * Decoding of 16-bit floats, which JavaScript has no typed array for (on Node 20): IEEE half precision
 * (torch.float16, numpy 'f2') and bfloat16 (the upper half of a float32).
 */

const scratch = new ArrayBuffer(4);
const scratchBits = new Uint32Array(scratch);
const scratchFloat = new Float32Array(scratch);
let halfTable: Float32Array | undefined;

/** The value of IEEE 754 binary16 bits. */
export function halfToNumber(bits: number): number {
  halfTable ??= buildHalfTable();
  return halfTable[bits & 0xffff] as number;
}

/** The float32 value of every binary16 bit pattern (float32 holds each exactly), for decoding whole chunks. */
export function halfValues(): Float32Array {
  halfTable ??= buildHalfTable();
  return halfTable;
}

/** The value of bfloat16 bits. */
export function bfloat16ToNumber(bits: number): number {
  // Both views use the platform's byte order, so writing an integer and reading a float is portable.
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratchFloat[0] as number;
}

function buildHalfTable(): Float32Array {
  // 65,536 entries (256 KB) once, so tensor decoding is a lookup per element.
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) {
      table[bits] = sign * fraction * 2 ** -24;
    } else if (exponent === 0x1f) {
      table[bits] = fraction === 0 ? sign * Infinity : NaN;
    } else {
      table[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
    }
  }
  return table;
}
