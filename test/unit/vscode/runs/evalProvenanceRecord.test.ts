import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvalProvenance } from '../../../../src/formats/evalProvenance';
import { recordEvalProvenance } from '../../../../src/vscode/runs/evalProvenanceRecord';

describe('recordEvalProvenance: the eval code next to an evaluation TiC Studio launches', () => {
  it('records the checkout’s real commit, its dirtiness and the task groups, readable by the protocol guard', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'tic-eval-checkout-'));
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', checkout, ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q');
    writeFileSync(join(checkout, 'evaluate.py'), 'print(1)\n');
    git('add', 'evaluate.py');
    git('commit', '-q', '-m', 'eval code');
    const head = git('rev-parse', 'HEAD').trim();
    const out = mkdtempSync(join(tmpdir(), 'tic-eval-out-'));

    assert.equal(await recordEvalProvenance(out, checkout, ['tic']), null);
    const file = join(out, 'tic-studio-eval.json');
    assert.equal(statSync(file).mode & 0o777, 0o644);
    const first = parseEvalProvenance(readFileSync(file, 'utf8'));
    assert.deepEqual(first.provenance, { version: 1, checkoutCommit: head, dirty: false, tasks: ['tic'] });

    // An edited evaluate.py: the same commit, but not the code that was committed.
    writeFileSync(join(checkout, 'evaluate.py'), 'print(2)\n');
    const edited = mkdtempSync(join(tmpdir(), 'tic-eval-out-'));
    assert.equal(await recordEvalProvenance(edited, checkout, ['tic', 'retrieval']), null);
    const second = parseEvalProvenance(readFileSync(join(edited, 'tic-studio-eval.json'), 'utf8'));
    assert.deepEqual(second.provenance, {
      version: 1,
      checkoutCommit: head,
      dirty: true,
      tasks: ['tic', 'retrieval'],
    });
  });

  it('records nulls for a checkout that is not a repository, and says when it cannot write', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'tic-eval-plain-'));
    const out = join(plain, 'out');
    assert.equal(await recordEvalProvenance(out, plain, ['tic']), null);
    const read = parseEvalProvenance(readFileSync(join(out, 'tic-studio-eval.json'), 'utf8'));
    assert.deepEqual(read.provenance, { version: 1, checkoutCommit: null, dirty: null, tasks: ['tic'] });
    const blocked = join(plain, 'a-file');
    writeFileSync(blocked, 'x');
    assert.match((await recordEvalProvenance(join(blocked, 'out'), plain, ['tic'])) ?? '', /Could not record/);
  });
});
