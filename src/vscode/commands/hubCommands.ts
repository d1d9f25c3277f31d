import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { catalogReach, emptyDownloadReason } from '../../hub/catalogReach';
import { HubError } from '../../hub/core/hubError';
import { defaultHubEndpoint, resolveHubEndpoint } from '../../hub/core/hubEndpoint';
import { commandIds, settingKeys, viewIds } from '../common/ids';
import { hubTokenSecretKey, type HubService } from '../hub/hubService';
import { isHubCheckpointNode, type HubCheckpointNode } from '../views/checkpointsTree';

/** Lists the Hub again, with the Checkpoints view's progress bar (the banner and rows follow the answer). */
async function retryHub(hub: HubService): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: viewIds.checkpoints } }, () => hub.refresh());
  const state = hub.catalog;
  if (state.kind === 'ready' && catalogReach(state.repos).kind === 'unreachable') {
    const action = await vscode.window.showWarningMessage(
      'The Hugging Face Hub is still unreachable. Check the network connection, or download from a mirror.',
      'Use a Mirror…',
      'Show Log',
    );
    if (action === 'Use a Mirror…') await vscode.commands.executeCommand(commandIds.useHubMirror);
    if (action === 'Show Log') await vscode.commands.executeCommand(commandIds.showLog);
  }
}

/** Why an endpoint typed by the user cannot be used, or undefined when it can (empty: back to the default). */
function mirrorProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  try {
    resolveHubEndpoint({ endpoint: value.trim(), env: {} });
    return undefined;
  } catch (error) {
    return HubError.is(error) ? `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}` : String(error);
  }
}

/**
 * "Use a Mirror…": asks for a Hub endpoint, checked as typed, and saves it in the user's settings, never the
 * workspace's: ticStudio.hub.endpoint is where the token goes, so a workspace (trusted or not) never chooses it,
 * and what the user types here is theirs. Empty: back to HF_ENDPOINT or huggingface.co.
 */
async function useMirror(): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  const current = config.inspect<string>(settingKeys.hubEndpoint)?.globalValue ?? '';
  const value = await vscode.window.showInputBox({
    title: 'Use a Hugging Face Hub Mirror',
    prompt: `The mirror's address, saved in your user settings. Leave empty for ${process.env.HF_ENDPOINT || defaultHubEndpoint}.`,
    placeHolder: 'https://hf-mirror.example.org',
    value: current,
    ignoreFocusOut: true,
    validateInput: (text) => {
      const problem = mirrorProblem(text);
      if (problem) return { message: problem, severity: vscode.InputBoxValidationSeverity.Error };
      const url = text.trim() === '' ? undefined : new URL(text.trim());
      if (url?.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
        return {
          message: 'Plain http: public repos download, but your Hugging Face token is never sent there.',
          severity: vscode.InputBoxValidationSeverity.Warning,
        };
      return undefined;
    },
  });
  if (value === undefined || mirrorProblem(value) !== undefined) return;
  const endpoint = value.trim() === '' ? undefined : resolveHubEndpoint({ endpoint: value.trim(), env: {} });
  // The settings listener lists the Hub again at the new address.
  await config.update(settingKeys.hubEndpoint, endpoint, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(
    endpoint
      ? `TiC Studio now uses the Hugging Face Hub at ${endpoint}.`
      : `TiC Studio now uses the Hugging Face Hub at ${process.env.HF_ENDPOINT || defaultHubEndpoint}.`,
  );
}

/** Opens the Hugging Face cache folder this window uses (the one Python's huggingface_hub uses too). */
async function openCacheFolder(hub: HubService): Promise<void> {
  let folder: string;
  try {
    folder = (await hub.settings()).cacheDir;
  } catch (error) {
    void vscode.window.showErrorMessage(
      `The Hugging Face cache folder is not known: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  if (!existsSync(folder)) {
    const action = await vscode.window.showInformationMessage(
      `Nothing has been downloaded yet: the Hugging Face cache folder ${folder} does not exist.`,
      'Copy Path',
    );
    if (action === 'Copy Path') await vscode.env.clipboard.writeText(folder);
    return;
  }
  // In a remote window the OS file manager is on the other machine: open the folder in a window instead.
  if (vscode.env.remoteName)
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: true });
  else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
}

/**
 * Asks for a repo and a year of the catalog (for the palette; the tree passes its node). A picker that would be
 * empty is not shown: the user is told why, with Retry where asking again can help.
 */
async function pickCheckpoint(hub: HubService): Promise<HubCheckpointNode | undefined> {
  if (hub.catalog.kind !== 'ready') await hub.refresh();
  for (;;) {
    const state = hub.catalog;
    const why =
      state.kind === 'ready' ? emptyDownloadReason(state.repos) : state.kind === 'error' ? 'error' : 'loading';
    if (why === undefined) break;
    const text = {
      error: `Nothing to download: the Hugging Face Hub could not be listed. ${state.kind === 'error' ? state.message : ''}`,
      loading: 'Nothing to download yet: the Hugging Face Hub is still being listed.',
      unreachable:
        'Nothing to download: the Hugging Face Hub cannot be reached. The checkpoints already cached are in the Checkpoints view.',
      offlineMode:
        'Nothing to download: Hugging Face offline mode is on (HF_HUB_OFFLINE), so only cached checkpoints are listed.',
      noCheckpoints: 'Nothing to download: none of the listed repos has a checkpoint.',
    }[why];
    const actions =
      why === 'offlineMode'
        ? []
        : why === 'noCheckpoints' || why === 'loading'
          ? ['Retry']
          : ['Retry', 'Use a Mirror…'];
    const action = await vscode.window.showWarningMessage(text, ...actions);
    if (action === 'Use a Mirror…') await useMirror();
    if (action !== 'Retry') return undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Listing the Hugging Face Hub…' },
      () => hub.refresh(),
    );
  }
  const state = hub.catalog;
  if (state.kind !== 'ready') return undefined;
  const repo = await vscode.window.showQuickPick(
    state.repos
      .filter((r) => r.files.some((f) => f.kind === 'checkpoint'))
      .map((r) => ({
        label: r.repo,
        description: r.years.join(', '),
        r,
      })),
    { title: 'Download Checkpoint: repository', placeHolder: 'apple/TiC-CLIP-…' },
  );
  if (!repo) return undefined;
  const files = repo.r.files.filter((f) => f.kind === 'checkpoint');
  const file = await vscode.window.showQuickPick(
    files.map((f) => ({
      label: String(f.year ?? f.path),
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
    vscode.commands.registerCommand(commandIds.retryHub, () => retryHub(hub)),
    vscode.commands.registerCommand(commandIds.useHubMirror, () => useMirror()),
    vscode.commands.registerCommand(commandIds.openHubCache, () => openCacheFolder(hub)),
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
          await vscode.commands.executeCommand(commandIds.inspectCheckpoint, vscode.Uri.file(result.localPath));
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
