import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandIds, containerId, settingKeys, viewIds } from '../../../src/vscode/common/ids';

interface Manifest {
  name: string;
  displayName: string;
  engines: { vscode: string };
  main: string;
  bin: Record<string, string>;
  capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations?: string[] } };
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    menus?: Record<string, { command: string; when?: string }[]>;
    configuration?: { properties: Record<string, { scope?: string }> };
  };
}

const root = join(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

describe('package.json contributions', () => {
  it('declares exactly the commands that src/vscode/common/ids.ts names', () => {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(commandIds).sort());
  });

  it('puts every command in the "TiC Studio" category', () => {
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'TiC Studio', c.command);
  });

  it('has a "TiC Studio" activity-bar container with its own icon and the three views in order', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === containerId);
    assert.ok(container);
    assert.equal(container.title, 'TiC Studio');
    assert.match(readFileSync(join(root, container.icon), 'utf8'), /<svg/);
    const views = manifest.contributes.views[containerId]?.map((v) => [v.id, v.name]);
    assert.deepEqual(views, [
      [viewIds.experiments, 'Experiments'],
      [viewIds.checkpoints, 'Checkpoints'],
      [viewIds.runs, 'Runs'],
    ]);
  });

  it('gives every view a welcome text whose command links point at declared commands', () => {
    const declared = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const id of Object.values(viewIds)) {
      const welcome = manifest.contributes.viewsWelcome.filter((w) => w.view === id);
      assert.ok(welcome.length > 0, `no viewsWelcome for ${id}`);
      for (const w of welcome) {
        for (const [, command] of w.contents.matchAll(/\(command:([\w.]+)\)/g))
          assert.ok(declared.has(command!), command);
      }
    }
  });

  it('declares exactly the settings that src/vscode/common/settings.ts reads', () => {
    const declared = Object.keys(manifest.contributes.configuration?.properties ?? {}).sort();
    assert.deepEqual(declared, Object.values(settingKeys).sort());
  });

  it('ignores workspace values of the Hub endpoint and cache in restricted mode (they could redirect the token)', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
    assert.ok(restricted.includes(settingKeys.hubEndpoint));
    assert.ok(restricted.includes(settingKeys.hubCacheDir));
  });

  it('keeps the Hub endpoint and cache, and extra #SBATCH lines, out of any workspace’s hands', () => {
    const properties = manifest.contributes.configuration?.properties ?? {};
    // Machine scope: a workspace (trusted or not) cannot redirect the token or choose where downloads are written.
    assert.equal(properties[settingKeys.hubEndpoint]?.scope, 'machine');
    assert.equal(properties[settingKeys.hubCacheDir]?.scope, 'machine');
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [];
    assert.ok(restricted.includes('ticStudio.slurm.extraDirectives'));
  });

  it('offers Stop only in a trusted workspace (a restricted window shows the runs, signals nothing)', () => {
    const stops = Object.values(manifest.contributes.menus ?? {})
      .flat()
      .filter((item) => item.command === commandIds.stopRun);
    assert.ok(stops.length >= 3, 'the Runs view (inline and context menu) and the command palette');
    for (const item of stops) assert.match(item.when ?? '', /^isWorkspaceTrusted( &&|$)/, JSON.stringify(item));
  });

  it('only refers to declared commands in menus', () => {
    const declared = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
      for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
    }
  });

  it('names the extension, its engine, entry points and its limited support for untrusted workspaces', () => {
    assert.equal(manifest.name, 'tic-studio');
    assert.equal(manifest.displayName, 'TiC Studio');
    assert.equal(manifest.engines.vscode, '^1.90.0');
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.bin['tic-studio'], 'dist/cli.js');
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
