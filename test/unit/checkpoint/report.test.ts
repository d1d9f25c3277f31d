import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { inferClipArchitecture } from '../../../src/checkpoint/clipArchitecture';
import { blockOf, towerOf } from '../../../src/checkpoint/clipTowers';
import { inspectCheckpoint } from '../../../src/checkpoint/report';
import { clipModels, clipStateShapes, numelOf, type ClipDims } from './clipShapes';
import { int, type PyValue } from './pickleBuilder';
import { encodeValues, scratchDir, torchZipBytes, torchZipLayout, type StorageContent } from './syntheticCheckpoints';
import { writeLayout } from './zipBuilder';

/**
 * A full-size OpenCLIP training checkpoint (contracts §2.6: epoch, name, state_dict, AdamW optimizer with two
 * param groups and a numpy lr, scaler), with every weight and moment storage a sparse hole so a 1.8 GB file
 * costs nothing. Only the optimizer `step` storages hold real bytes.
 */
function trainingCheckpoint(dims: ClipDims, options: { prefix?: string; rootName: string; step: number }) {
  const shapes = clipStateShapes(dims);
  const storages: StorageContent[] = [];
  let nextKey = 0;
  const sparseTensor = (shape: number[]): PyValue => {
    const key = String(nextKey++);
    const numel = numelOf(shape);
    storages.push({ key, sparseSize: numel * 4 });
    return { tensor: { storage: { key, storageClass: 'FloatStorage', numel, location: 'cuda:0' }, shape } };
  };
  const stateDict = shapes.map(([name, shape]): [PyValue, PyValue] => [
    `${options.prefix ?? ''}${name}`,
    sparseTensor(shape),
  ]);
  // OpenCLIP's AdamW groups: no weight decay for ndim < 2 and bn/ln/bias/logit_scale (contracts §2.6).
  const noDecay = (name: string, shape: number[]): boolean => shape.length < 2 || /bn|ln|bias|logit_scale/.test(name);
  const groups = [
    shapes.flatMap(([name, shape], i) => (noDecay(name, shape) ? [i] : [])),
    shapes.flatMap(([name, shape], i) => (noDecay(name, shape) ? [] : [i])),
  ];
  const state = shapes.map(([, shape], i): [PyValue, PyValue] => {
    const stepKey = String(nextKey++);
    storages.push({ key: stepKey, data: encodeValues('float32', [options.step]) });
    return [
      int(i),
      {
        dict: [
          ['step', { tensor: { storage: { key: stepKey, storageClass: 'FloatStorage', numel: 1 }, shape: [] } }],
          ['exp_avg', sparseTensor(shape)],
          ['exp_avg_sq', sparseTensor(shape)],
        ],
      },
    ];
  });
  const paramGroups = groups.map((params, g): PyValue => ({
    dict: [
      ['weight_decay', g === 0 ? 0 : 0.2],
      ['lr', { numpyFloat64: 0.00025 }],
      ['betas', { tuple: [0.9, 0.98] }],
      ['eps', 1e-6],
      ['amsgrad', false],
      ['foreach', null],
      ['maximize', false],
      ['capturable', false],
      ['params', { list: params.map((p) => int(p)) }],
    ],
  }));
  const root: PyValue = {
    dict: [
      ['epoch', int(2)],
      ['name', 'tic_test'],
      ['state_dict', { ordered: stateDict }],
      [
        'optimizer',
        {
          dict: [
            ['state', { dict: state }],
            ['param_groups', { list: paramGroups }],
          ],
        },
      ],
      ['scaler', { dict: [] }],
    ],
  };
  return { layout: torchZipLayout(root, { rootName: options.rootName, storages }), groups, shapes };
}

describe('report', function () {
  this.timeout(30_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  before(async () => {
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch.cleanup();
  });

  const expectations = {
    'ViT-B-32': {
      tensors: 302,
      params: 151_277_313,
      patchSize: 32,
      visionWidth: 768,
      visionLayers: 12,
      embedDim: 512,
      textWidth: 512,
      textHeads: 8,
    },
    'ViT-B-16': {
      tensors: 302,
      params: 149_620_737,
      patchSize: 16,
      visionWidth: 768,
      visionLayers: 12,
      embedDim: 512,
      textWidth: 512,
      textHeads: 8,
    },
    'ViT-L-14': {
      tensors: 446,
      params: 427_616_513,
      patchSize: 14,
      visionWidth: 1024,
      visionLayers: 24,
      embedDim: 768,
      textWidth: 768,
      textHeads: 12,
    },
  } as const;

  for (const model of ['ViT-B-32', 'ViT-B-16', 'ViT-L-14'] as const) {
    it(`inspects a full-size ${model} training checkpoint reading well under 1 MB`, async () => {
      const prefix = model === 'ViT-B-16' ? 'module.' : '';
      const { layout, groups } = trainingCheckpoint(clipModels[model], { prefix, rootName: 'epoch_2', step: 1234 });
      const path = join(scratch.dir, `${model}.pt`);
      await writeLayout(path, layout);
      const want = expectations[model];
      const report = await inspectCheckpoint(path);

      // ≈ 12 bytes per parameter: weights, exp_avg, exp_avg_sq (contracts §2.6 sizes).
      assert.ok(statSync(path).size > 12 * want.params);
      assert.ok(report.stats.bytesRead < 1024 * 1024, `${report.stats.bytesRead} bytes read`);
      assert.equal(report.format, 'torch-zip');
      assert.equal(report.zipRoot, 'epoch_2');
      assert.deepEqual(report.topLevel, { epoch: 2, name: 'tic_test' });
      assert.deepEqual(report.stateDictPath, ['state_dict']);
      assert.equal(report.stripPrefix, prefix === '' ? null : 'module.');
      assert.equal(report.tensors.length, want.tensors);
      assert.equal(report.totalParams, want.params);
      assert.equal(report.totalBytes, 4 * want.params);
      assert.ok(report.tensors.every((t) => !t.name.startsWith('module.')));
      assert.equal(report.paramsByTower.other, 1);
      assert.equal(report.paramsByTower.visual + report.paramsByTower.text + 1, want.params);
      assert.deepEqual(report.architecture, {
        name: model,
        patchSize: want.patchSize,
        visionWidth: want.visionWidth,
        visionLayers: want.visionLayers,
        imageSize: 224,
        embedDim: want.embedDim,
        contextLength: 77,
        vocabSize: 49408,
        textWidth: want.textWidth,
        textHeads: want.textHeads,
        textLayers: 12,
      });
      assert.deepEqual(report.optimizer, {
        paramGroups: [
          { lr: 0.00025, betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0, params: groups[0]?.length },
          { lr: 0.00025, betas: [0.9, 0.98], eps: 1e-6, weightDecay: 0.2, params: groups[1]?.length },
        ],
        stateEntries: want.tensors,
        stepCount: 1234,
        stateBytes: 2 * 4 * want.params + 4 * want.tensors,
      });
      if (model === 'ViT-B-32') {
        // contracts §2.6: 200 no-decay and 102 decayed parameters for ViT-B-32.
        assert.deepEqual([groups[0]?.length, groups[1]?.length], [200, 102]);
      }
      assert.deepEqual(report.scaler, {});
      assert.deepEqual(report.warnings, []);
      assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
    });
  }

  async function reportOf(name: string, root: PyValue, storages: StorageContent[] = []) {
    return inspectCheckpoint(await scratch.file(name, torchZipBytes(root, { storages })));
  }

  const tensor = (key: string, shape: number[]): PyValue => ({
    tensor: { storage: { key, storageClass: 'FloatStorage', numel: numelOf(shape) }, shape },
  });

  it('finds a state dict under "model" and at the top level, and says when there is none', async () => {
    const storages = [{ key: '0', data: Buffer.alloc(16) }];
    const underModel = await reportOf(
      'model.pt',
      {
        dict: [
          ['model', { ordered: [['w', tensor('0', [4])]] }],
          ['step', int(10)],
        ],
      },
      storages,
    );
    assert.deepEqual(underModel.stateDictPath, ['model']);
    assert.deepEqual(underModel.topLevel, { step: 10 });
    const bare = await reportOf('bare.pt', { ordered: [['w', tensor('0', [2, 2])]] }, storages);
    assert.deepEqual(bare.stateDictPath, []);
    assert.deepEqual(bare.topLevel, {});
    const none = await reportOf('none.pt', {
      dict: [
        ['epoch', int(1)],
        ['big', int(2n ** 80n)],
        ['ratio', Infinity],
      ],
    });
    assert.equal(none.stateDictPath, null);
    assert.deepEqual(none.tensors, []);
    assert.equal(none.architecture, null);
    assert.deepEqual(none.topLevel, { epoch: 1, big: (2n ** 80n).toString(), ratio: 'Infinity' });
    assert.deepEqual(
      none.warnings.map((w) => w.kind),
      ['noStateDict'],
    );
  });

  it('strips module. only when every key has it, as DDP writes them', async () => {
    const storages = [
      { key: '0', data: Buffer.alloc(16) },
      { key: '1', data: Buffer.alloc(16) },
    ];
    const mixed = await reportOf(
      'mixed.pt',
      {
        ordered: [
          ['module.a', tensor('0', [4])],
          ['b', tensor('1', [4])],
        ],
      },
      storages,
    );
    assert.equal(mixed.stripPrefix, null);
    assert.deepEqual(
      mixed.tensors.map((t) => t.name),
      ['module.a', 'b'],
    );
    const all = await reportOf(
      'all.pt',
      {
        ordered: [
          ['module.a', tensor('0', [4])],
          ['module.b', tensor('1', [4])],
        ],
      },
      storages,
    );
    assert.equal(all.stripPrefix, 'module.');
    assert.deepEqual(
      all.tensors.map((t) => t.name),
      ['a', 'b'],
    );
  });

  it('describes each state-dict tensor with its storage, offset, strides and byte size', async () => {
    const storage = { key: '7', storageClass: 'HalfStorage', numel: 12 };
    const report = await reportOf(
      'described.pt',
      { ordered: [['t', { tensor: { storage, shape: [3, 2], stride: [1, 3], offset: 6 } }]] },
      [{ key: '7', data: Buffer.alloc(24) }],
    );
    assert.deepEqual(report.tensors, [
      {
        name: 't',
        dtype: 'float16',
        shape: [3, 2],
        numel: 6,
        bytes: 12,
        storageKey: '7',
        storageOffset: 6,
        stride: [1, 3],
        contiguous: false,
      },
    ]);
  });

  it('infers the architecture only from a ViT patch embedding (contracts §2.7)', () => {
    const shapes = new Map(clipStateShapes(clipModels['ViT-B-16']));
    assert.equal(inferClipArchitecture(shapes)?.name, 'ViT-B-16');
    shapes.delete('visual.conv1.weight');
    assert.equal(inferClipArchitecture(shapes), null);
    const odd = new Map(clipStateShapes({ ...clipModels['ViT-B-32'], visionLayers: 6 }));
    assert.deepEqual(
      { ...inferClipArchitecture(odd) },
      { ...inferClipArchitecture(new Map(clipStateShapes(clipModels['ViT-B-32']))), name: null, visionLayers: 6 },
    );
  });

  it('groups keys into towers and blocks', () => {
    const cases: [string, string, string][] = [
      ['visual.transformer.resblocks.11.attn.in_proj_weight', 'visual', 'visual.transformer.resblocks.11'],
      ['visual.conv1.weight', 'visual', 'visual (other)'],
      ['transformer.resblocks.3.mlp.c_fc.bias', 'text', 'transformer.resblocks.3'],
      ['token_embedding.weight', 'text', 'text (other)'],
      ['positional_embedding', 'text', 'text (other)'],
      ['text_projection', 'text', 'text (other)'],
      ['ln_final.weight', 'text', 'text (other)'],
      ['logit_scale', 'other', 'other'],
    ];
    for (const [name, tower, block] of cases) {
      assert.equal(towerOf(name), tower, name);
      assert.equal(blockOf(name), block, name);
    }
  });
});
