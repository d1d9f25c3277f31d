import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotDir } from './workbench';

const root = join(__dirname, '../..');

describe("the README's `npm start`", () => {
  it('brings up a workbench on the demo workspace that shows TiC Studio and its three views', function () {
    this.timeout(240000);
    const shot = join(screenshotDir, 'npm-start.png');
    rmSync(shot, { force: true });
    // --check: the code-server path of `npm start`, opened once in Chromium, then shut down.
    const r = spawnSync(process.execPath, [join(root, 'scripts/start.mjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TIC_STUDIO_NO_DESKTOP: '1' },
      timeout: 220000,
    });
    assert.equal(r.status, 0, `npm start --check failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /shows TiC Studio with its three views/);
    assert.ok(existsSync(shot));
  });
});
