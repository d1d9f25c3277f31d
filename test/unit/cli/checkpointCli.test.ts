import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const fixtures = join(root, 'test/fixtures/checkpoints');

function tic(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

interface TorchTensor {
  path: string[];
  dtype: string;
  shape: number[];
  numel: number;
}

/** What torch itself said about the fixture (written by make_checkpoints.py with torch.load). */
function torchSays(file: string): { epoch?: number; name?: string; tensors: TorchTensor[] } {
  return JSON.parse(readFileSync(join(fixtures, `${file}.expected.json`), 'utf8'));
}

describe('tic-studio inspect (real process on real-torch fixtures)', () => {
  it('prints the JSON report with the fields scripts rely on, matching what torch reports', () => {
    const r = tic('inspect', join(fixtures, 'module_prefix.pt'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const torch = torchSays('module_prefix.pt');
    assert.equal(report.format, 'torch-zip');
    assert.equal(report.topLevel.epoch, torch.epoch);
    assert.equal(report.topLevel.name, torch.name);
    assert.equal(report.stripPrefix, 'module.');
    const stateDict = torch.tensors.filter((t) => t.path[0] === 'state_dict');
    assert.deepEqual(
      report.tensors.map((t: TorchTensor & { name: string }) => [t.name, t.dtype, t.shape, t.numel]),
      stateDict.map((t) => [t.path[1]!.replace(/^module\./, ''), t.dtype, t.shape, t.numel]),
    );
    assert.equal(
      report.totalParams,
      stateDict.reduce((n, t) => n + t.numel, 0),
    );
    for (const key of ['architecture', 'optimizer', 'warnings']) assert.ok(key in report, key);
    assert.equal(report.optimizer.paramGroups.length, 2);
  });

  it('reads the safetensors and legacy formats', () => {
    assert.equal(
      JSON.parse(tic('inspect', join(fixtures, 'weights.safetensors'), '--json').stdout).format,
      'safetensors',
    );
    assert.equal(JSON.parse(tic('inspect', join(fixtures, 'legacy.pt'), '--json').stdout).format, 'torch-legacy');
  });

  it('reports the os.system pickle as a security warning and never runs it', () => {
    const r = tic('inspect', join(fixtures, 'malicious_os_system.pt'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /SECURITY WARNING: dangerousGlobal: posix\.system/);
    assert.throws(() => readFileSync('/tmp/should_never_exist'));
  });

  it('fails on a file that is not a checkpoint with one line naming the reason, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-cli-'));
    const bogus = join(dir, 'notes.pt');
    writeFileSync(bogus, 'these are my notes, not a checkpoint\n');
    const r = tic('inspect', bogus);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /notACheckpoint/);
  });

  it('fails on a truncated checkpoint with reason "truncated" or "corrupt"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-cli-'));
    const cut = join(dir, 'cut.pt');
    const bytes = readFileSync(join(fixtures, 'epoch_2.pt'));
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = tic('inspect', cut);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /: (truncated|corrupt): /);
  });

  it('says so when the file does not exist, and rejects bad usage with exit 2', () => {
    const missing = tic('inspect', join(fixtures, 'nope.pt'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /notFound/);
    assert.equal(tic('inspect').status, 2);
    const bad = tic('inspect', '--frobnicate', 'x.pt');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});

describe('tic-studio diff (real process)', () => {
  it('reports zero change for a checkpoint against itself', () => {
    const f = join(fixtures, 'epoch_2.pt');
    const diff = JSON.parse(tic('diff', f, f, '--json').stdout);
    assert.ok(diff.tensors.length > 0);
    for (const t of diff.tensors) {
      assert.equal(t.l2Delta, 0, t.name);
      if (t.cosine !== null) assert.ok(Math.abs(t.cosine - 1) < 1e-9, t.name);
    }
    assert.deepEqual([diff.onlyInA, diff.onlyInB, diff.shapeMismatch], [[], [], []]);
  });

  it('matches tensors across the module. prefix and lists the per-tensor fields', () => {
    const diff = JSON.parse(
      tic('diff', join(fixtures, 'epoch_2.pt'), join(fixtures, 'module_prefix.pt'), '--json').stdout,
    );
    assert.deepEqual(diff.onlyInA, []);
    assert.deepEqual(diff.onlyInB, []);
    for (const t of diff.tensors) for (const k of ['name', 'l2Delta', 'relDelta', 'cosine']) assert.ok(k in t, k);
  });

  it('names tensors only in one side', () => {
    const diff = JSON.parse(
      tic('diff', join(fixtures, 'epoch_2.pt'), join(fixtures, 'weights.safetensors'), '--json').stdout,
    );
    assert.ok(diff.onlyInA.includes('visual.conv1.weight'));
    assert.ok(diff.onlyInB.length > 0);
  });
});
