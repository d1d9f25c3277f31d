import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkoutRevision } from '../../../src/plan/checkoutRevision';

/** A real repository made with the real git; its HEAD read back with git itself, not with the code under test. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
}

describe('checkoutRevision: the eval code an evaluation runs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-revision-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives the checkout’s HEAD and whether it has changes', async () => {
    git(root, 'init', '-q');
    writeFileSync(join(root, 'evaluate.py'), 'print("eval")\n');
    git(root, 'add', 'evaluate.py');
    git(root, 'commit', '-q', '-m', 'eval code');
    const head = git(root, 'rev-parse', 'HEAD').trim();
    assert.match(head, /^[0-9a-f]{40}$/);
    assert.deepEqual(await checkoutRevision(root), { commit: head, dirty: false });

    writeFileSync(join(root, 'evaluate.py'), 'print("changed")\n');
    assert.deepEqual(await checkoutRevision(root), { commit: head, dirty: true });
  });

  it('runs no fsmonitor program a repository’s config names', async () => {
    git(root, 'init', '-q');
    const marker = join(root, 'ran');
    git(root, 'config', 'core.fsmonitor', `touch ${marker}; false`);
    writeFileSync(join(root, 'a.txt'), 'a\n');
    const r = await checkoutRevision(root);
    assert.deepEqual(r, { commit: null, dirty: true });
    assert.throws(() => execFileSync('test', ['-e', marker]));
  });

  it('says null for a folder that is not a repository, and when git cannot run', async () => {
    assert.deepEqual(await checkoutRevision(join(root, 'missing')), { commit: null, dirty: null });
    const noGit = (): Promise<string> =>
      Promise.reject(Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' }));
    assert.deepEqual(await checkoutRevision(root, noGit), { commit: null, dirty: null });
  });
});
