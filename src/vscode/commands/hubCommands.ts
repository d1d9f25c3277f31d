import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { commandIds, customEditorTypes } from '../common/ids';
import { hubTokenSecretKey, type HubService } from '../hub/hubService';
import { isHubCheckpointNode, type HubCheckpointNode } from '../views/checkpointsTree';

/** Asks for a repo and a year of the catalog (for the palette; the tree passes its node). */
async function pickCheckpoint(hub: HubService): Promise<HubCheckpointNode | undefined> {
  if (hub.catalog.kind !== 'ready') await hub.refresh();
  const state = hub.catalog;
  if (state.kind !== 'ready') {
    void vscode.window.showErrorMessage(
      `The Hugging Face Hub catalog is not available: ${state.kind === 'error' ? state.message : 'still loading'}.`,
    );
    return undefined;
  }
  const repo = await vscode.window.showQuickPick(
    state.repos.map((r) => ({
      label: r.repo,
      description: r.years.length ? `${r.years.join(', ')}` : 'no checkpoints',
      detail: r.error?.message,
      r,
    })),
    { title: 'Download Checkpoint: repository', placeHolder: 'apple/TiC-CLIP-…' },
  );
  if (!repo) return undefined;
  const files = repo.r.files.filter((f) => f.kind === 'checkpoint');
  const file = await vscode.window.showQuickPick(
    files.map((f) => ({
      label: String(f.year),
      description: `${(f.size / 1e9).toFixed(2)} GB${f.cached ? ' · cached' : f.partialBytes ? ' · partial' : ''}`,
      f,
    })),
    { title: `Download Checkpoint: year of ${repo.r.repo}` },
  );
  return file && { kind: 'hubCheckpoint', repo: repo.r.repo, file: file.f };
}

/** The local path of a Hub checkpoint, downloading (or just linking) it first when needed. */
export async function ensureLocal(hub: HubService, node: HubCheckpointNode): Promise<vscode.Uri | undefined> {
  if (node.file.localPath) return vscode.Uri.file(node.file.localPath);
  const result = await hub.download(node.repo, node.file.path);
  return result && vscode.Uri.file(result.localPath);
}

export function registerHubCommands(hub: HubService, secrets: vscode.SecretStorage): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(commandIds.downloadCheckpoint, async (node?: unknown) => {
      const target = isHubCheckpointNode(node) ? node : await pickCheckpoint(hub);
      if (!target) return;
      const result = await hub.download(target.repo, target.file.path);
      if (result) {
        const action = await vscode.window.showInformationMessage(
          `${target.repo}/${target.file.path} is in the Hugging Face cache: ${result.localPath}`,
          'Inspect',
          'Copy Path',
        );
        if (action === 'Inspect')
          await vscode.commands.executeCommand(
            'vscode.openWith',
            vscode.Uri.file(result.localPath),
            customEditorTypes.checkpointInspector,
          );
        if (action === 'Copy Path') await vscode.env.clipboard.writeText(result.localPath);
      }
    }),
    vscode.commands.registerCommand(commandIds.cancelDownload, (node?: unknown) => {
      if (isHubCheckpointNode(node)) hub.activeDownload(node.repo, node.file.path)?.cancel();
    }),
    vscode.commands.registerCommand(commandIds.revealInCache, async (node?: unknown) => {
      if (!isHubCheckpointNode(node) || !node.file.localPath) return;
      // In a remote window the OS file manager is on the other machine: reveal in the Explorer instead.
      if (vscode.env.remoteName)
        await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dirname(node.file.localPath)), {
          forceNewWindow: true,
        });
      else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(node.file.localPath));
    }),
    vscode.commands.registerCommand(commandIds.copyCheckpointPath, async (node?: unknown) => {
      if (!isHubCheckpointNode(node)) return;
      const uri = await ensureLocal(hub, node);
      if (uri) await vscode.env.clipboard.writeText(uri.fsPath);
    }),
    vscode.commands.registerCommand(commandIds.setHubToken, async () => {
      const value = await vscode.window.showInputBox({
        title: 'Hugging Face token',
        prompt:
          "Stored in VS Code's secret storage. HF_TOKEN and the huggingface-cli token file take precedence when set. Leave empty to remove the stored token.",
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'hf_…',
      });
      if (value === undefined) return;
      if (value.trim() === '') {
        await secrets.delete(hubTokenSecretKey);
        void vscode.window.showInformationMessage('The stored Hugging Face token was removed.');
      } else {
        await secrets.store(hubTokenSecretKey, value.trim());
        const s = await hub.settings();
        const note =
          s.token && s.token.source !== 'supplied'
            ? ` Note: the token from ${s.token.source === 'HF_TOKEN' ? 'HF_TOKEN' : s.token.path} takes precedence.`
            : '';
        void vscode.window.showInformationMessage(`Hugging Face token stored.${note}`);
      }
      await hub.refresh();
    }),
  ];
}
