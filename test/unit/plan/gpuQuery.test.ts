import assert from 'node:assert/strict';
import { parseNvidiaSmiCsv, queryGpus } from '../../../src/plan/gpuQuery';

describe('GPU discovery (nvidia-smi CSV)', () => {
  it('parses nvidia-smi --format=csv,noheader,nounits output', () => {
    const csv = '0, NVIDIA H100 80GB HBM3, 81559, 1\n1, NVIDIA H100 80GB HBM3, 81559, 40213\n';
    assert.deepEqual(parseNvidiaSmiCsv(csv), [
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, memoryUsedMiB: 1 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, memoryUsedMiB: 40213 },
    ]);
  });

  it('skips lines that do not fit (driver warnings, [N/A] memory)', () => {
    assert.deepEqual(
      parseNvidiaSmiCsv(
        'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n0, X, [N/A], [N/A]\n',
      ),
      [],
    );
  });

  it('treats a machine without nvidia-smi as one without GPUs', async () => {
    const missing = async (): Promise<string> => {
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };
    assert.deepEqual(await queryGpus(missing), []);
  });
});
