import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint } from '../../../src/checkpoint/readers/checkpoint';
import { openCheckpoint } from '../../../src/checkpoint/readers/openCheckpoint';
import {
  dictGet,
  isDict,
  isPickleObject,
  keySegment,
  type PickleValue,
} from '../../../src/checkpoint/base/pickleValues';
import { buildReport, inspectCheckpoint } from '../../../src/checkpoint/report';
import { readTensor } from '../../../src/checkpoint/tensorData';
import { isContiguous } from '../../../src/checkpoint/base/tensorRef';
import { findTensors } from '../../../src/checkpoint/treeWalk';

/**
 * The reader against real files written by torch 1.13 (test/fixtures/checkpoints, see its README), compared
 * with what torch.load itself reported into each `<file>.expected.json`.
 */
const fixtureDir = join(__dirname, '..', '..', 'fixtures', 'checkpoints');

interface ExpectedTensor {
  name: string;
  path: (string | number)[];
  dtype: string;
  shape: number[];
  numel: number;
  storage_offset?: number;
  stride: number[];
  is_contiguous: boolean;
  storage_numel?: number;
  first_values: (number | boolean)[];
  storage_key?: string;
  location?: string;
  storage_group?: number;
}

interface ExpectedScalar {
  path: (string | number)[];
  type: string;
  value: unknown;
}

interface ExpectedGroup {
  lr: number;
  betas: number[];
  eps: number;
  weight_decay: number;
  num_params: number;
}

interface Expected {
  format: 'zip' | 'legacy' | 'safetensors';
  file_size_bytes?: number;
  zip_root?: string;
  pickle_protocol?: number;
  pickle_globals?: string[];
  version_record?: string;
  top_level_keys?: string[];
  epoch?: number;
  name?: string;
  scaler?: unknown;
  state_dict?: { num_tensors: number; num_params: number; key_prefix: string; keys: string[] };
  optimizer?: { param_groups: ExpectedGroup[]; num_state_entries: number; step_values: number[] };
  scalars?: ExpectedScalar[];
  tensors: ExpectedTensor[];
  metadata?: Record<string, string>;
  generator_config?: Record<string, number>;
  dangerous_globals?: string[];
  payload_path?: string[];
  payload_call?: { global: string; args: string[] };
  side_effect_file?: string;
}

const fixtures = [
  'epoch_2.pt',
  'module_prefix.pt',
  'epoch_latest.pt',
  'dtypes.pt',
  'legacy.pt',
  'weights.safetensors',
  'state_dict_only.pt',
  'malicious_os_system.pt',
];

function expectedOf(file: string): Expected {
  return JSON.parse(readFileSync(join(fixtureDir, `${file}.expected.json`), 'utf8')) as Expected;
}

const formats = { zip: 'torch-zip', legacy: 'torch-legacy', safetensors: 'safetensors' } as const;

/** Python's walk in make_checkpoints.py: non-tensor leaves of dicts, lists and tuples, in order. */
function scalarLeaves(value: PickleValue, path: string[], out: { path: string[]; value: unknown }[]): void {
  if (isPickleObject(value)) {
    if (value.kind === 'dict') {
      value.entries.forEach(([key, child], i) => scalarLeaves(child, [...path, keySegment(key) ?? `[${i}]`], out));
    } else if (value.kind === 'list' || value.kind === 'tuple') {
      value.items.forEach((child, i) => scalarLeaves(child, [...path, String(i)], out));
    } else if (value.kind !== 'tensor') {
      out.push({ path, value: `<${value.kind}>` });
    }
    return;
  }
  out.push({ path, value: typeof value === 'bigint' ? value.toString() : value });
}

describe('real torch fixtures', function () {
  this.timeout(30_000);

  for (const file of fixtures) {
    describe(file, () => {
      const expected = expectedOf(file);
      let checkpoint: Checkpoint;

      before(async () => {
        checkpoint = await openCheckpoint(join(fixtureDir, file));
      });
      after(async () => {
        await checkpoint.close();
      });

      it('is recognised with its format, zip root, protocol and pickle globals', () => {
        assert.equal(checkpoint.format, formats[expected.format]);
        if (expected.zip_root !== undefined) {
          assert.equal(checkpoint.zipRoot, expected.zip_root);
          assert.equal(checkpoint.formatVersion, expected.version_record);
        }
        if (expected.pickle_protocol !== undefined) {
          assert.equal(checkpoint.pickleProtocol, expected.pickle_protocol);
        }
        if (expected.pickle_globals !== undefined) {
          assert.deepEqual([...checkpoint.pickleGlobals].sort(), [...expected.pickle_globals].sort());
        }
        if (expected.metadata !== undefined) {
          assert.deepEqual({ ...checkpoint.metadata }, expected.metadata);
        }
      });

      it('finds every tensor torch found, in order, with dtype, shape, strides, offset and storage', () => {
        const found = findTensors(checkpoint.root, { maxDepth: 64 });
        assert.deepEqual(
          found.map((t) => t.path),
          expected.tensors.map((t) => t.path.map(String)),
        );
        const groups = new Map<number, string>();
        found.forEach(({ tensor }, i) => {
          const want = expected.tensors[i] as ExpectedTensor;
          assert.equal(tensor.dtype, want.dtype, want.name);
          assert.deepEqual(tensor.shape, want.shape, want.name);
          assert.deepEqual(tensor.stride, want.stride, want.name);
          assert.equal(tensor.numel, want.numel, want.name);
          assert.equal(isContiguous(tensor), want.is_contiguous, want.name);
          if (want.storage_offset !== undefined) {
            assert.equal(tensor.storageOffset, want.storage_offset, want.name);
          }
          if (want.storage_numel !== undefined) {
            assert.equal(tensor.storage.numel, want.storage_numel, want.name);
          }
          if (want.storage_key !== undefined) {
            assert.equal(tensor.storage.key, want.storage_key, want.name);
            assert.equal(tensor.storage.location, want.location, want.name);
          }
          if (want.storage_group !== undefined) {
            // Legacy storage keys are memory addresses; only which tensors share one is stable.
            const key = groups.get(want.storage_group) ?? tensor.storage.key;
            groups.set(want.storage_group, key);
            assert.equal(tensor.storage.key, key, want.name);
          }
        });
        if (groups.size > 0) {
          assert.equal(new Set(groups.values()).size, groups.size);
        }
      });

      it('reads the same leading values torch printed', async () => {
        const found = findTensors(checkpoint.root, { maxDepth: 64 });
        for (const [i, { tensor }] of found.entries()) {
          const want = expected.tensors[i] as ExpectedTensor;
          const values = await readTensor(checkpoint, tensor);
          assert.equal(values.length, want.numel, want.name);
          assert.deepEqual(
            Array.from(values.subarray(0, want.first_values.length)),
            want.first_values.map((v) => (typeof v === 'boolean' ? Number(v) : v)),
            want.name,
          );
        }
      });

      if (expected.scalars !== undefined) {
        it('decodes every non-tensor value torch saw (numpy lr, big ints, None, unicode)', () => {
          const leaves: { path: string[]; value: unknown }[] = [];
          scalarLeaves(checkpoint.root, [], leaves);
          assert.deepEqual(
            leaves,
            (expected.scalars ?? []).map((s) => ({ path: s.path.map(String), value: s.value })),
          );
        });
      }

      it('reports top-level values, the state dict, its architecture and the optimizer', async () => {
        const report = await buildReport(checkpoint);
        if (expected.top_level_keys !== undefined) {
          assert.deepEqual(report.topLevelKeys, expected.top_level_keys);
        }
        if (expected.epoch !== undefined) {
          assert.equal(report.topLevel.epoch, expected.epoch);
        }
        if (expected.name !== undefined) {
          assert.equal(report.topLevel.name, expected.name);
        }
        if (expected.state_dict !== undefined) {
          const strip = expected.state_dict.key_prefix;
          assert.equal(report.stripPrefix, strip === '' ? null : strip);
          assert.deepEqual(
            report.tensors.map((t) => t.name),
            expected.state_dict.keys.map((k) => k.slice(strip.length)),
          );
          assert.equal(report.totalParams, expected.state_dict.num_params);
          assert.equal(report.tensors.length, expected.state_dict.num_tensors);
          assert.deepEqual(
            report.stateDictPath,
            checkpoint.format === 'torch-zip' && file === 'state_dict_only.pt' ? [] : ['state_dict'],
          );
        }
        if (expected.generator_config !== undefined) {
          const config = expected.generator_config;
          assert.deepEqual(report.architecture, {
            name: null,
            patchSize: config.patch_size,
            visionWidth: config.vision_width,
            visionLayers: config.vision_layers,
            imageSize: config.image_size,
            embedDim: config.embed_dim,
            contextLength: config.context_length,
            vocabSize: config.vocab_size,
            textWidth: config.text_width,
            textHeads: Math.floor((config.text_width as number) / 64),
            textLayers: config.text_layers,
          });
          assert.equal(
            report.paramsByTower.visual + report.paramsByTower.text + report.paramsByTower.other,
            report.totalParams,
          );
          assert.equal(report.paramsByTower.other, 1); // logit_scale
        }
        if (expected.optimizer !== undefined) {
          assert.ok(report.optimizer !== null);
          assert.deepEqual(
            report.optimizer.paramGroups,
            expected.optimizer.param_groups.map((g) => ({
              lr: g.lr,
              betas: g.betas,
              eps: g.eps,
              weightDecay: g.weight_decay,
              params: g.num_params,
            })),
          );
          assert.equal(report.optimizer.stateEntries, expected.optimizer.num_state_entries);
          assert.equal(report.optimizer.stepCount, expected.optimizer.step_values[0]);
          const stateBytes = expected.tensors
            .filter((t) => t.path[0] === 'optimizer')
            .reduce((sum, t) => sum + t.numel * 4, 0);
          assert.equal(report.optimizer.stateBytes, stateBytes);
        } else {
          assert.equal(report.optimizer, null);
        }
        if (expected.scaler !== undefined) {
          assert.deepEqual(report.scaler, expected.scaler);
        }
        assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
      });
    });
  }

  it('inspects a training checkpoint by reading its directory and data.pkl, not its storages', async () => {
    for (const file of ['epoch_2.pt', 'module_prefix.pt', 'epoch_latest.pt']) {
      const path = join(fixtureDir, file);
      const report = await inspectCheckpoint(path);
      const size = statSync(path).size;
      // The storages (weights + optimizer state) are ~200 KB of each file; the structure is ~40 KB.
      assert.ok(report.stats.bytesRead < 64 * 1024, `${file}: ${report.stats.bytesRead} bytes read`);
      assert.ok(report.stats.bytesRead < size / 4, file);
      assert.equal(report.file.size, size);
    }
  });

  it('flags the os.system payload, keeps it opaque and never runs it', async () => {
    const expected = expectedOf('malicious_os_system.pt');
    const sideEffect = expected.side_effect_file as string;
    assert.equal(existsSync(sideEffect), false, `${sideEffect} existed before the test`);
    const path = join(fixtureDir, 'malicious_os_system.pt');
    const report = await inspectCheckpoint(path);
    const checkpoint = await openCheckpoint(path);
    try {
      for (const tensor of findTensors(checkpoint.root, { maxDepth: 8 })) {
        await readTensor(checkpoint, tensor.tensor);
      }
      const payload = isDict(checkpoint.root)
        ? dictGet(checkpoint.root, (expected.payload_path as string[])[0] as string)
        : undefined;
      assert.ok(payload !== undefined && isPickleObject(payload) && payload.kind === 'opaque');
      assert.equal(payload.global, expected.payload_call?.global);
      assert.equal(payload.safety, 'dangerous');
      assert.deepEqual(payload.args?.items, expected.payload_call?.args);
    } finally {
      await checkpoint.close();
    }
    const security = report.warnings.filter((w) => w.severity === 'security');
    assert.deepEqual(
      security.map((w) => [w.kind, w.detail.split(':')[0]]),
      (expected.dangerous_globals ?? []).map((g) => ['dangerousGlobal', g]),
    );
    assert.equal(report.tensors.length, 1);
    assert.equal(existsSync(sideEffect), false);
  });
});
