import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import { buildReport } from '../../../src/checkpoint/report';
import { readTensor } from '../../../src/checkpoint/tensorData';
import { findTensors } from '../../../src/checkpoint/treeWalk';

/** Test helper: everything a consumer does with a checkpoint: open it, report on it, read every tensor. */
export async function exercise(path: string): Promise<void> {
  const checkpoint = await openCheckpoint(path);
  try {
    await buildReport(checkpoint);
    for (const { tensor } of findTensors(checkpoint.root, { maxDepth: 64 })) {
      await readTensor(checkpoint, tensor);
    }
  } finally {
    await checkpoint.close();
  }
}
