import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportForProbe } from '../../../src/probe/probeExport';
import { ProbeError } from '../../../src/probe/probeError';
import { listProbeExports, probeLabel } from '../../../src/probe/probeExports';

const sha = 'ab'.repeat(32);
const tiny = join(__dirname, '../../fixtures/probe/tiny-clip');

/**
 * A stand-in for python/exportProbe.py, run by node as a real child process with the same argv and output
 * protocol: PROGRESS lines, the export written into --out, exit 3 + `MISSING x` or another code on failure.
 */
const standIn = `
const fs = require('node:fs'); const path = require('node:path');
const args = process.argv.slice(2); const out = args[args.indexOf('--out') + 1];
const mode = process.env.STAND_IN_MODE;
if (mode === 'missing') { console.error('MISSING open_clip'); process.exit(3); }
console.log('PROGRESS 0.100 loading the checkpoint');
fs.mkdirSync(out, { recursive: true });
for (const f of ['probe.json', 'image_encoder.onnx', 'text_encoder.onnx']) fs.copyFileSync(path.join(${JSON.stringify(tiny)}, f), path.join(out, f));
console.log('PROGRESS 0.900 writing probe.json');
if (mode === 'crash') { console.error('Traceback (most recent call last):\\nRuntimeError: boom'); process.exit(1); }
if (mode === 'hang') setInterval(() => {}, 1000);
`;

describe('exporting a checkpoint for the probe', () => {
  let dir: string;
  let script: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-probe-export-'));
    script = join(dir, 'standIn.cjs');
    writeFileSync(script, standIn);
  });
  afterEach(() => {
    delete process.env.STAND_IN_MODE;
    rmSync(dir, { recursive: true, force: true });
  });
  const request = (extra = {}) => ({
    python: process.execPath,
    script,
    checkpoint: '/ckpt/epoch_latest.pt',
    arch: 'ViT-B-16',
    sha256: sha,
    cacheRoot: join(dir, 'cache'),
    ...extra,
  });

  it('runs the script once per checkpoint hash, reports its progress and lists the export', async () => {
    const progress: string[] = [];
    const first = await exportForProbe(request({ onProgress: (f: number, m: string) => progress.push(`${f} ${m}`) }));
    assert.deepEqual(first, { dir: join(dir, 'cache', sha), cached: false });
    assert.deepEqual(progress, ['0.1 loading the checkpoint', '0.9 writing probe.json']);
    const second = await exportForProbe(request({ onProgress: () => assert.fail('no second run') }));
    assert.equal(second.cached, true);
    const listed = await listProbeExports([join(dir, 'cache'), tiny]);
    assert.deepEqual(
      listed.map((e) => e.dir),
      [join(dir, 'cache', sha), tiny],
    );
  });

  it('says which module the Python lacks, and leaves nothing behind', async () => {
    process.env.STAND_IN_MODE = 'missing';
    await assert.rejects(exportForProbe(request()), (e: unknown) => {
      assert.ok(e instanceof ProbeError && e.reason === 'missingDependency', String(e));
      assert.match(e.message, /no open_clip/);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir, 'cache')), []);
  });

  it('reports a failed export with the end of its traceback and keeps no half export', async () => {
    process.env.STAND_IN_MODE = 'crash';
    await assert.rejects(exportForProbe(request()), /exportFailed|RuntimeError: boom/);
    assert.deepEqual(readdirSync(join(dir, 'cache')), []);
  });

  it('stops the script when cancelled', async () => {
    process.env.STAND_IN_MODE = 'hang';
    const controller = new AbortController();
    const pending = exportForProbe(
      request({ signal: controller.signal, onProgress: (f: number) => f > 0.5 && controller.abort() }),
    );
    await assert.rejects(pending, (e: unknown) => e instanceof ProbeError && e.reason === 'cancelled');
    assert.equal(existsSync(join(dir, 'cache', sha)), false);
  });

  it('runs the real python/exportProbe.py and says what the Python lacks (this machine has no open_clip)', async function () {
    const python = spawnSync('python3', ['-c', 'import open_clip'], { encoding: 'utf8' });
    if (python.error) this.skip(); // no python3 at all
    if (python.status === 0) this.skip(); // open_clip is installed: the export would really run
    await assert.rejects(
      exportForProbe(request({ python: 'python3', script: join(__dirname, '../../../python/exportProbe.py') })),
      (e: unknown) => e instanceof ProbeError && e.reason === 'missingDependency' && /torch|open_clip/.test(e.message),
    );
  });
});

describe('probeLabel', () => {
  it('names published checkpoints by repo and year, training ones by experiment and file', () => {
    assert.equal(
      probeLabel(
        '/h/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-cumulative/snapshots/abc/checkpoints/2022.pt',
      ),
      'basic-cumulative 2022',
    );
    assert.equal(
      probeLabel('/r/datacomp/results/datacomp_medium-basic_cumulative_2016/checkpoints/epoch_latest.pt'),
      'datacomp_medium-basic_cumulative_2016 / epoch_latest.pt',
    );
    assert.equal(probeLabel('/tmp/model.pt'), 'model.pt');
  });
});
