import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecordsDir } from '../../../src/runs/model/runRecordStore';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

const repo = join(__dirname, '../../..');
const demo = join(repo, 'demo');

/**
 * The real CLI from the sources, as a child process (so a read that blocks cannot block the test runner). The
 * limit only stops a child that hangs, far above the couple of seconds the command takes.
 */
function tic(...args: string[]): {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli.ts'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('tic-studio over workspace files that are not files', function () {
  this.timeout(120_000);
  let root: string;
  const fifos: string[] = [];
  const fifo = (path: string): string => {
    unlinkSync(path);
    fifos.push(makeFifo(path));
    return path;
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tic-untrusted-cli-'))));
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(root, { recursive: true, force: true });
  });

  it('tic-studio runs returns with a named pipe as a run record, and names it as a problem', () => {
    mkdirSync(runRecordsDir(root), { recursive: true });
    const record = join(runRecordsDir(root), '20261201-120000-train-abc123.json');
    fifos.push(makeFifo(record));
    const r = tic('runs', root, '--json');
    assert.equal(r.signal, null, `tic-studio runs did not return (killed); stderr: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.match(r.stderr, new RegExp(`${record}: cannot read run record: ${record} is a named pipe, not a file`));
  });

  it('tic-studio runs says a run record over 1 MB is too large instead of skipping it', () => {
    mkdirSync(runRecordsDir(root), { recursive: true });
    const record = join(runRecordsDir(root), '20261201-120000-eval-abc123.json');
    cpSync(join(demo, 'README.md'), record);
    truncateSync(record, 3 * 1024 * 1024);
    const r = tic('runs', root);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /eval-abc123\.json is 3.0 MiB; TiC Studio reads at most 1.0 MiB of a run record/);
  });

  it('tic-studio results returns with named pipes at params.txt, out.log, results.jsonl and info.pkl, and names them', () => {
    cpSync(demo, root, { recursive: true });
    const exp = join(root, 'datacomp', 'results', 'datacomp_medium-basic_cumulative_2017');
    const evalDir = join(root, 'datacomp', 'eval_results', 'datacomp_medium-basic_cumulative_2017');
    const planted = [
      fifo(join(exp, 'params.txt')),
      fifo(join(exp, 'out.log')),
      fifo(join(exp, 'checkpoints', 'results.jsonl')),
    ];
    // An evaluation's info.pkl is read without a stat first: the file a plain read would hang on.
    fifo(join(evalDir, 'info.pkl'));
    const r = tic('results', root, '--json');
    assert.equal(r.signal, null, `tic-studio results did not return (killed); stderr: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    const { chains } = JSON.parse(r.stdout) as { chains: { key: string; problems: string[] }[] };
    // Without its params.txt the experiment may join another chain: the problems go wherever it is shown.
    const said = chains.flatMap((c) => c.problems);
    for (const path of planted)
      assert.ok(said.includes(`${path} is a named pipe, not a file`), `${path}: ${said.join('; ')}`);
  });

  it('tic-studio results names an evaluation’s unreadable eval_results.jsonl, in the table’s stderr and in --json', () => {
    cpSync(demo, root, { recursive: true });
    const evalDir = join(root, 'datacomp', 'eval_results', 'datacomp_medium-basic_cumulative_2017');
    const planted = fifo(join(evalDir, 'eval_results.jsonl'));
    const json = tic('results', root, '--json');
    assert.equal(json.signal, null, `tic-studio results did not return (killed); stderr: ${json.stderr}`);
    assert.equal(json.status, 0, json.stderr);
    const { problems } = JSON.parse(json.stdout) as { problems: { dir: string; message: string }[] };
    assert.ok(
      problems.some((p) => p.message.includes(`${planted} is a named pipe, not a file`)),
      JSON.stringify(problems),
    );
    const text = tic('results', root);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stderr, /eval_results\.jsonl is a named pipe, not a file/);
  });
});
