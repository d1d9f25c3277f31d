import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clipModels, clipStateShapes, numelOf } from '../checkpoint/clipShapes';
import { int, type PyValue } from '../checkpoint/pickleBuilder';
import { torchZipLayout, type StorageContent } from '../checkpoint/syntheticCheckpoints';
import { writeLayout } from '../checkpoint/zipBuilder';

/**
 * Test helper: a scratch ml-tic-clip layout on disk (checkout, yearly shard folders, ImageNet val, eval data) and
 * full-size OpenCLIP checkpoints whose storages are sparse holes, so a 1.8 GB ViT-B-16 file costs nothing.
 */
export class ScratchWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'tic-runs-'));
  readonly checkout = join(this.root, 'ml-tic-clip');
  readonly dataRoot = join(this.root, 'data', 'train');
  readonly imagenetVal = join(this.root, 'imagenet', 'val');
  readonly evalData = join(this.root, 'evaldata');
  readonly outputDir = join(this.checkout, 'datacomp', 'results');

  constructor() {
    this.file('ml-tic-clip/datacomp/train.py', 'print("train")\n');
    this.file('ml-tic-clip/datacomp/evaluate.py', 'print("evaluate")\n');
    this.file('ml-tic-clip/dataset_creation/tic-datacomp/generate_tasklist.py', 'print("tasks")\n');
    for (let year = 2014; year <= 2022; year++) this.file(`data/train/${year}/00000000.tar`, '');
    mkdirSync(join(this.imagenetVal, 'n01440764'), { recursive: true });
    mkdirSync(join(this.evalData, 'tic', 'datacomp', 'yearly', 'eval', 'retrieval', '2014'), { recursive: true });
    mkdirSync(this.outputDir, { recursive: true });
  }

  /** Writes `content` at `relative` under the root, creating folders; returns the absolute path. */
  file(relative: string, content: string | Uint8Array): string {
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }

  /** An OpenCLIP training-style checkpoint `{epoch, name, state_dict}` of a ViT (sparse storages). */
  async clipCheckpoint(relative: string, model: keyof typeof clipModels, prefix = 'module.'): Promise<string> {
    const storages: StorageContent[] = [];
    const stateDict = clipStateShapes(clipModels[model]).map(([name, shape], i): [PyValue, PyValue] => {
      const numel = numelOf(shape);
      storages.push({ key: String(i), sparseSize: numel * 4 });
      return [
        `${prefix}${name}`,
        { tensor: { storage: { key: String(i), storageClass: 'FloatStorage', numel, location: 'cuda:0' }, shape } },
      ];
    });
    const root: PyValue = {
      dict: [
        ['epoch', int(5)],
        ['name', 'synthetic'],
        ['state_dict', { ordered: stateDict }],
      ],
    };
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    await writeLayout(path, torchZipLayout(root, { rootName: 'tmp', storages }));
    return path;
  }

  /** A torch checkpoint whose state dict is not a CLIP (a linear layer). */
  async plainCheckpoint(relative: string): Promise<string> {
    const tensor: PyValue = {
      tensor: { storage: { key: '0', storageClass: 'FloatStorage', numel: 50 }, shape: [10, 5] },
    };
    const root: PyValue = { dict: [['state_dict', { ordered: [['fc.weight', tensor]] }]] };
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    await writeLayout(path, torchZipLayout(root, { storages: [{ key: '0', sparseSize: 200 }] }));
    return path;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
