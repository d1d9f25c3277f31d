import { basename } from 'node:path';
import * as vscode from 'vscode';
import { diffCheckpoints } from '../../checkpoint/diff';
import { parseInspectorMessage, type HostToInspector } from '../../protocol/checkpointMessages';
import { ProtocolError } from '../../protocol/validate';
import { DisposableStore } from '../common/disposableStore';
import { diffToWire } from '../../wire/checkpointWire';
import { describeError } from '../common/errors';
import { webviewTypes } from '../common/ids';
import type { Logger } from '../common/logger';
import { webviewHtml, webviewResourceRoots } from '../common/webviewHtml';

/**
 * "A → B": how far checkpoint B moved from A. The diff streams tensor by tensor through src/checkpoint/diff.ts,
 * with progress in a cancellable notification and in the panel; closing the panel cancels it too. The tab is named
 * by the caller (`cumulative 2017 → 2018`, src/workspace/checkpointSteps.ts), else by the two file names.
 */
export class CheckpointDiffPanel {
  static show(extensionUri: vscode.Uri, log: Logger, a: vscode.Uri, b: vscode.Uri, title?: string): void {
    const panel = vscode.window.createWebviewPanel(
      webviewTypes.checkpointDiff,
      title ?? `${basename(a.fsPath)} ↔ ${basename(b.fsPath)}`,
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        localResourceRoots: webviewResourceRoots(extensionUri),
      },
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'tic-studio.svg');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'checkpoint', 'Checkpoint diff');
    const store = new DisposableStore();
    const abort = new AbortController();
    store.add({ dispose: () => abort.abort() });
    store.add(panel.onDidDispose(() => store.dispose()));
    const post = (message: HostToInspector): void => void panel.webview.postMessage(message);
    let started = false;
    store.add(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseInspectorMessage(raw);
        if (message instanceof ProtocolError) {
          log.warn(`Checkpoint diff: dropped a message from the webview (${message.detail}).`);
          return;
        }
        if (message.type === 'cancel') abort.abort();
        if (message.type === 'ready' && !started) {
          started = true;
          void run();
        }
      }),
    );

    const run = (): Thenable<void> =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: title ? `Comparing ${title}` : `Comparing ${basename(a.fsPath)} with ${basename(b.fsPath)}`,
          cancellable: true,
        },
        async (progress, token) => {
          store.add(token.onCancellationRequested(() => abort.abort()));
          let last = 0;
          try {
            const diff = await diffCheckpoints(a.fsPath, b.fsPath, {
              signal: abort.signal,
              onProgress: ({ done, total }) => {
                const now = Date.now();
                if (now - last < 100 && done < total) return;
                last = now;
                progress.report({ message: `${done} / ${total} tensors`, increment: 0 });
                post({ type: 'diffProgress', a: a.fsPath, b: b.fsPath, done, total });
              },
            });
            log.info(
              `Compared ${a.fsPath} with ${b.fsPath}: ${diff.tensors.length} tensors, ${Math.round(diff.stats.elapsedMs)} ms.`,
            );
            post({ type: 'diff', diff: diffToWire(diff) });
          } catch (error) {
            const { reason, message } = describeError(
              abort.signal.aborted ? Object.assign(new Error('cancelled'), { name: 'AbortError' }) : error,
            );
            if (reason !== 'cancelled') log.warn(`Could not compare ${a.fsPath} with ${b.fsPath}: ${message}`);
            post({ type: 'error', reason, message });
          }
        },
      );
  }
}
