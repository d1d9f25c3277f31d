import assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('the checkpoint inspector custom editor (real extension host)', () => {
  it('opens a demo .pt with the TiC Studio Checkpoint Inspector', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the integration tier opens demo/ as the workspace');
    const file = vscode.Uri.joinPath(
      folder.uri,
      'datacomp/results/datacomp_medium-basic_cumulative_2016/checkpoints/epoch_latest.pt',
    );
    await vscode.commands.executeCommand('ticStudio.inspectCheckpoint', file);
    const deadline = Date.now() + 20000;
    let input: unknown;
    while (Date.now() < deadline) {
      input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (input instanceof vscode.TabInputCustom) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(input instanceof vscode.TabInputCustom, 'the active tab is not a custom editor');
    assert.equal(input.viewType, 'ticStudio.checkpointInspector');
    assert.equal(input.uri.toString(), file.toString());
  });
});
