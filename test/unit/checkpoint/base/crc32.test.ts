import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../../../../src/checkpoint/base/crc32';

describe('crc32', () => {
  it('matches the check value of the CRC-32 catalogue and zlib on assorted inputs', () => {
    // "123456789" → 0xCBF43926 is the standard check value of CRC-32/ISO-HDLC.
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    let seed = 1;
    for (const length of [1, 7, 64, 1000, 65537]) {
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        data[i] = seed >>> 24;
      }
      assert.equal(crc32(data), zlibCrc32(data), `length ${length}`);
    }
  });
});
