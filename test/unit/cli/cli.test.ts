import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const cli = join(root, 'dist/cli.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('the tic-studio CLI (built dist/cli.js, run as a real process)', () => {
  before(() => {
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` (npm test builds first)');
  });

  it('prints the package version with --version', () => {
    assert.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim(), pkg.version);
  });

  it('prints usage with --help', () => {
    const out = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    assert.match(out, /^tic-studio \S+: /);
    assert.match(out, /Usage: tic-studio <command>/);
  });

  it('rejects an unknown command with one line on stderr and exit code 2', () => {
    const r = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });

  it('is executable through its shebang', () => {
    assert.equal(execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim(), pkg.version);
  });
});
