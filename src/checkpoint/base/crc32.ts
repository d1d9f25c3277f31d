/**
 * CRC-32 (IEEE 802.3, as zip uses it: APPNOTE.TXT §4.4.7). Written out because `zlib.crc32` only exists
 * from Node 20.15 / 22.2, and the VS Code versions this extension supports (engines ^1.90) run older Node.
 */
let table: Uint32Array | undefined;

function buildTable(): Uint32Array {
  const out = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    out[n] = c >>> 0;
  }
  return out;
}

export function crc32(data: Uint8Array): number {
  table ??= buildTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
