import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvalDir } from '../../../src/workspace/evalDir';
import { readExperimentDir } from '../../../src/workspace/experimentDir';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

const demo = join(__dirname, '../../../demo');

/**
 * The demo workspace, copied, with the files of its results replaced by what a repository can commit instead:
 * named pipes (a plain read waits for a writer forever) and files far over the size limits.
 */
describe('a workspace scan over result files that are not what they claim', () => {
  let root: string;
  const fifos: string[] = [];
  const results = () => join(root, 'datacomp', 'results');
  const evals = () => join(root, 'datacomp', 'eval_results');
  const fifo = (path: string): string => {
    unlinkSync(path);
    fifos.push(makeFifo(path));
    return path;
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-untrusted-scan-'));
    cpSync(demo, root, { recursive: true });
  });
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(root, { recursive: true, force: true });
  });

  it('reports named pipes at params.txt, out.log, results.jsonl, eval_results.jsonl and info.pkl, without waiting', async () => {
    const exp = join(results(), 'datacomp_medium-basic_cumulative_2017');
    const params = fifo(join(exp, 'params.txt'));
    const log = fifo(join(exp, 'out.log'));
    const resultsJsonl = fifo(join(exp, 'checkpoints', 'results.jsonl'));
    const evalDir = join(evals(), 'datacomp_medium-basic_cumulative_2018');
    const evalResults = fifo(join(evalDir, 'eval_results.jsonl'));
    // info.pkl of an evaluation is read without a stat first: the one a plain read would hang on.
    const info = fifo(join(evals(), 'datacomp_medium-basic_cumulative_2017', 'info.pkl'));

    const ws = await scanWorkspace(root);
    const said = ws.problems.map((p) => p.message);
    for (const path of [params, log, resultsJsonl, evalResults, info])
      assert.ok(said.includes(`${path} is a named pipe, not a file`), `${path} not reported; got ${said.join('\n')}`);
    assert.deepEqual(
      ws.problems.find((p) => p.message.startsWith(params))?.dir,
      exp,
      'the problem names its experiment folder',
    );
    // The experiment is still found (its name and info.pkl say which chain it is), with the problems on it.
    const found = ws.experiments.find((e) => e.dir === exp);
    assert.ok(found, 'the experiment with a piped params.txt is still listed');
    assert.ok(found.problems.includes(`${params} is a named pipe, not a file`));
    assert.deepEqual(
      found.fileProblems,
      [log, params, resultsJsonl].map((p) => `${p} is a named pipe, not a file`).sort(),
    );
    assert.ok(ws.chains.length > 0, 'the rest of the workspace is still read');
  });

  it('says an eval_results.jsonl over 8 MB is too large instead of showing an evaluation without results', async () => {
    const evalDir = join(evals(), 'datacomp_medium-basic_cumulative_2016');
    truncateSync(join(evalDir, 'eval_results.jsonl'), 9 * 1024 * 1024);
    const read = await readEvalDir(evalDir);
    assert.ok(read);
    assert.deepEqual(read.records, []);
    assert.deepEqual(read.problems, [
      `${join(evalDir, 'eval_results.jsonl')} is 9.0 MiB; TiC Studio reads at most 8.0 MiB of an eval_results.jsonl`,
    ]);
    const ws = await scanWorkspace(root);
    assert.ok(
      ws.problems.some((p) => p.dir === evalDir && /is 9.0 MiB; TiC Studio reads at most 8.0 MiB/.test(p.message)),
    );
  });

  it('says a params.txt over 1 MB is too large', async () => {
    const exp = join(results(), 'datacomp_medium-basic_cumulative_2016');
    writeFileSync(join(exp, 'params.txt'), `lr: 0.001\n${'x'.repeat(2 * 1024 * 1024)}\n`);
    const read = await readExperimentDir(exp);
    assert.equal(read?.params, null);
    assert.deepEqual(read?.fileProblems, [
      `${join(exp, 'params.txt')} is 2.0 MiB; TiC Studio reads at most 1.0 MiB of a params.txt`,
    ]);
  });

  it('lists a folder whose only params.txt is a named pipe as a problem, not as nothing', async () => {
    const planted = join(results(), 'planted');
    cpSync(join(results(), 'datacomp_medium-basic_cumulative_2016', 'params.txt'), join(planted, 'params.txt'));
    fifo(join(planted, 'params.txt'));
    const ws = await scanWorkspace(root);
    assert.deepEqual(
      ws.problems.map((p) => [p.dir, p.message]),
      [[planted, `${join(planted, 'params.txt')} is a named pipe, not a file`]],
    );
  });
});
