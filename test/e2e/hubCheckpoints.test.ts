import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ticClipRepos } from '../../src/tic/ticClipRepos';
import { startLoopbackHub, type LoopbackHub } from '../support/loopbackHub';
import { screenshotOnFailure, Workbench } from './workbench';

/** Real torch bytes, so the downloaded checkpoint can be inspected afterwards. */
const checkpointBytes = readFileSync(join(__dirname, '../fixtures/checkpoints/epoch_2.pt'));

describe('the Checkpoints view against a loopback Hugging Face Hub', () => {
  let hub: LoopbackHub;
  let wb: Workbench;
  screenshotOnFailure(() => wb);
  let cacheDir: string;

  before(async function () {
    this.timeout(180000);
    hub = await startLoopbackHub({
      repos: ticClipRepos.map((id) => ({
        id,
        files: [
          { path: 'README.md', content: `# ${id}\n` },
          ...(id.endsWith('oracle')
            ? [2022]
            : id.endsWith('sequential')
              ? [2017, 2018, 2019, 2020, 2021, 2022]
              : [2016, 2017, 2018, 2019, 2020, 2021, 2022]
          ).flatMap((year) => [
            { path: `checkpoints/${year}.pt`, content: checkpointBytes, lfs: true },
            { path: `params/${year}.yaml`, content: `model: ViT-B-16\n` },
          ]),
        ],
      })),
    });
    cacheDir = mkdtempSync(join(tmpdir(), 'tic-e2e-hf-cache-'));
    wb = await Workbench.open({ settings: { 'ticStudio.hub.endpoint': hub.url, 'ticStudio.hub.cacheDir': cacheDir } });
  });

  after(async () => {
    await wb?.close();
    await hub?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('lists the six apple/TiC-CLIP repos with their years', async () => {
    await wb.openContainer();
    for (const id of ticClipRepos)
      await wb.page
        .getByRole('treeitem', { name: new RegExp(`^${id}`) })
        .first()
        .waitFor({ timeout: 30000 });
    const cumulative = wb.page.getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-cumulative/ }).first();
    assert.match((await cumulative.textContent()) ?? '', /2016–2022/);
    await wb.screenshot('hub-1-repos');
  });

  it('downloads a year into the Hugging Face cache layout and inspects it', async () => {
    await wb.page
      .getByRole('treeitem', { name: /^apple\/TiC-CLIP-basic-oracle/ })
      .first()
      .click();
    const year = wb.page.getByRole('treeitem', { name: /^2022/ }).first();
    await year.waitFor();
    assert.match((await year.textContent()) ?? '', /remote/);
    await year.hover();
    await year.locator('.actions [aria-label="Download Checkpoint…"]').click();
    await wb.page
      .getByRole('treeitem', { name: /^2022.*cached/ })
      .first()
      .waitFor({ timeout: 60000 });

    const repoDir = join(cacheDir, 'models--apple--TiC-CLIP-basic-oracle');
    const commit = readFileSync(join(repoDir, 'refs/main'), 'utf8');
    assert.equal(commit, hub.commit('apple/TiC-CLIP-basic-oracle'));
    const sha = hub.file('apple/TiC-CLIP-basic-oracle', 'checkpoints/2022.pt').sha256;
    assert.equal(readlinkSync(join(repoDir, 'snapshots', commit, 'checkpoints/2022.pt')), `../../../blobs/${sha}`);
    assert.ok(existsSync(join(repoDir, 'blobs', sha)));
    await wb.screenshot('hub-2-cached');

    await wb.page
      .getByRole('treeitem', { name: /^2022.*cached/ })
      .first()
      .click();
    const frame = await wb.webviewFrame('#app[data-state="report"]');
    assert.match((await frame.locator('#app').textContent()) ?? '', /tic_fixture/);
    await wb.screenshot('hub-3-inspect');
  });
});
