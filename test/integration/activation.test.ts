import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const extensionId = 'tic-studio.tic-studio';

interface Manifest {
  contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
}

function manifest(): Manifest {
  const ext = vscode.extensions.getExtension(extensionId);
  assert.ok(ext, `extension ${extensionId} is not installed in the extension host`);
  return JSON.parse(readFileSync(join(ext.extensionPath, 'package.json'), 'utf8')) as Manifest;
}

describe('TiC Studio in a real VS Code extension host', () => {
  before(async function () {
    this.timeout(60000);
    await vscode.extensions.getExtension(extensionId)?.activate();
  });

  it('activates and exposes its API', () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext?.isActive, 'extension did not activate');
    assert.equal(typeof (ext.exports as { version?: unknown }).version, 'string');
  });

  it('registers every command that package.json declares, and declares every command it registers', async () => {
    const m = manifest();
    const declared = m.contributes.commands.map((c) => c.command).sort();
    // The workbench adds `<viewId>.focus`, `.open`, … for every contributed view: those are not ours to declare.
    const viewPrefixes = (m.contributes.views.ticStudio ?? []).map((v) => `${v.id}.`);
    const registered = (await vscode.commands.getCommands(true))
      .filter((c) => c.startsWith('ticStudio.') && !viewPrefixes.some((p) => c.startsWith(p)))
      .sort();
    assert.deepEqual(registered, declared);
  });

  it('contributes the Experiments, Checkpoints and Runs views, and each can be focused', async () => {
    const views = manifest().contributes.views.ticStudio?.map((v) => v.id);
    assert.deepEqual(views, ['ticStudio.experiments', 'ticStudio.checkpoints', 'ticStudio.runs']);
    for (const id of views ?? []) {
      // `<viewId>.focus` exists only for views the workbench has registered.
      await vscode.commands.executeCommand(`${id}.focus`);
    }
  });

  it('opens the dashboard webview, which answers the ready handshake and gets the demo chains', async () => {
    const api = vscode.extensions.getExtension(extensionId)?.exports as {
      openDashboard(): Promise<{ ready: boolean; chains: string[] }>;
    };
    const { ready, chains } = await api.openDashboard();
    assert.equal(ready, true, 'the dashboard webview never sent "ready"');
    // demo/ holds a cumulative (with an lr 1e-4 variant) and a sequential tic_medium chain with basic filtering.
    assert.deepEqual(chains, [
      'tic_medium/basic/cumulative',
      'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4',
      'tic_medium/basic/sequential',
    ]);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
    assert.ok(tabs.includes('TiC Studio Dashboard'), `tabs: ${tabs.join(', ')}`);
  });
});
