import assert from 'node:assert/strict';
import { formatBytes } from '../../../src/shared/formatBytes';

describe('formatBytes (the one size format of messages and progress lines)', () => {
  it('writes binary units with one decimal, bytes as a whole number', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1000), '1000 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(3.3 * 1024 * 1024), '3.3 MiB');
    assert.equal(formatBytes(1.8 * 1024 ** 3), '1.8 GiB');
    assert.equal(formatBytes(5 * 1024 ** 5), '5120.0 TiB');
  });
});
