import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { parseInspectorMessage, type HostToInspector } from '../../protocol/checkpointMessages';
import { ProtocolError } from '../../protocol/validate';
import { DisposableStore } from '../common/disposableStore';
import { describeError } from '../common/errors';
import { reportToWire } from '../../wire/checkpointWire';
import { commandIds, customEditorTypes } from '../common/ids';
import type { Logger } from '../common/logger';
import { webviewHtml, webviewResourceRoots } from '../common/webviewHtml';

/** Filters for "pick a checkpoint" dialogs. */
export const checkpointFileFilters = { Checkpoints: ['pt', 'pth', 'bin', 'safetensors'], 'All files': ['*'] };

/**
 * The custom editor type that opens `uri`: the default one (`.pt`, `.pth`, `.safetensors`), or for `.bin` the
 * optional one (most `.bin` files are not checkpoints, so the inspector is only offered there). VS Code takes one
 * priority per contributed editor, hence two types for the one provider.
 */
export function inspectorViewTypeFor(uri: vscode.Uri): string {
  return /\.bin$/i.test(uri.path) ? customEditorTypes.binCheckpointInspector : customEditorTypes.checkpointInspector;
}

/**
 * The read-only `.pt`/`.pth`/`.bin`/`.safetensors` editor, the default editor of `.pt`, `.pth` and `.safetensors`. The file is read by src/checkpoint (never torch, never
 * pickle code) with async, ranged reads, so even a 1.8 GB checkpoint never blocks the extension host.
 */
export class CheckpointInspectorProvider implements vscode.CustomReadonlyEditorProvider {
  static register(extensionUri: vscode.Uri, log: Logger): vscode.Disposable {
    const provider = new CheckpointInspectorProvider(extensionUri, log);
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    return vscode.Disposable.from(
      vscode.window.registerCustomEditorProvider(customEditorTypes.checkpointInspector, provider, options),
      vscode.window.registerCustomEditorProvider(customEditorTypes.binCheckpointInspector, provider, options),
    );
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const store = new DisposableStore();
    store.add(panel.onDidDispose(() => store.dispose()));
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(this.extensionUri) };
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'checkpoint', 'Checkpoint');
    const post = (message: HostToInspector): void => void panel.webview.postMessage(message);
    store.add(
      panel.webview.onDidReceiveMessage(async (raw: unknown) => {
        const message = parseInspectorMessage(raw);
        if (message instanceof ProtocolError) {
          this.log.warn(`Checkpoint inspector: dropped a message from the webview (${message.detail}).`);
          return;
        }
        switch (message.type) {
          case 'ready':
            await this.load(document.uri, post);
            break;
          case 'compareWith':
            await vscode.commands.executeCommand(commandIds.compareCheckpoints, document.uri);
            break;
          case 'copyText':
            await vscode.env.clipboard.writeText(message.text);
            break;
          case 'cancel':
            break;
        }
      }),
    );
  }

  private async load(uri: vscode.Uri, post: (m: HostToInspector) => void): Promise<void> {
    if (uri.scheme !== 'file') {
      post({
        type: 'error',
        reason: 'unsupported',
        message: `TiC Studio reads checkpoints from the file system of the extension host; ${uri.scheme}: files are not supported.`,
      });
      return;
    }
    post({ type: 'loading', path: uri.fsPath });
    try {
      const report = await inspectCheckpoint(uri.fsPath);
      this.log.info(
        `Inspected ${uri.fsPath}: ${report.format}, ${report.tensors.length} tensors, read ${report.stats.bytesRead} bytes in ${Math.round(report.stats.elapsedMs)} ms.`,
      );
      for (const w of report.warnings.filter((x) => x.severity === 'security'))
        this.log.warn(`${uri.fsPath}: ${w.kind}: ${w.detail}`);
      post({ type: 'report', report: reportToWire(report) });
    } catch (error) {
      const { reason, message } = describeError(error);
      this.log.warn(`Could not inspect ${uri.fsPath}: ${reason}: ${message}`);
      post({ type: 'error', reason, message });
    }
  }
}
