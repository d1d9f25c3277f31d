import assert from 'node:assert/strict';
import { exportBytes } from '../../../src/protocol/exportPayload';
import { ProtocolError } from '../../../src/protocol/validate';

// A 1×1 PNG (signature, IHDR, IDAT, IEND).
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('dashboard export payloads', () => {
  it('decodes a PNG data URL to the PNG bytes', () => {
    const bytes = exportBytes('png', png);
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(bytes.length, Buffer.from(png.split(',')[1]!, 'base64').length);
  });

  it('refuses what is not a PNG, not base64 or not an SVG', () => {
    for (const [format, data] of [
      ['png', 'data:text/html;base64,PGgxPg=='],
      ['png', 'data:image/png;base64,<script>'],
      ['png', `data:image/png;base64,${Buffer.from('GIF89a not a png').toString('base64')}`],
      ['svg', '<html><script>alert(1)</script></html>'],
    ] as const) {
      assert.ok(exportBytes(format, data) instanceof ProtocolError, `${format}: ${data.slice(0, 30)}`);
    }
  });

  it('writes CSV and SVG text as UTF-8', () => {
    assert.deepEqual(exportBytes('csv', 'year,é\n'), new TextEncoder().encode('year,é\n'));
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>';
    assert.deepEqual(exportBytes('svg', svg), new TextEncoder().encode(svg));
  });
});
