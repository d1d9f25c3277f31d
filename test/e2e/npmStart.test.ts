import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
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
    // vsce's list of every packaged file stays out of the output.
    assert.match(r.stdout, /Packaging the extension…/);
    assert.doesNotMatch(r.stdout + r.stderr, /Packaged:|extension\/package\.json/);
  });

  it('stops code-server when the terminal that ran it goes away (SIGHUP)', async function () {
    this.timeout(240000);
    const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), '--port', '0'], {
      cwd: root,
      env: { ...process.env, TIC_STUDIO_NO_DESKTOP: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const deadline = Date.now() + 200000;
      let url: string | undefined;
      while (Date.now() < deadline && !(url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0])) await delay(200);
      assert.ok(url, `no URL printed:\n${out}`);
      assert.ok((await fetch(url)).status < 500, 'code-server answers');
      child.kill('SIGHUP');
      assert.equal(await Promise.race([exited, delay(60000).then(() => 'still running')]), 0);
      await assert.rejects(fetch(url), 'code-server is gone too');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
