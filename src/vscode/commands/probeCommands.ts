import { join } from 'node:path';
import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import { exportForProbe } from '../../probe/probeExport';
import { ProbeError } from '../../probe/probeError';
import { fileSha256 } from '../../shared/fileSha256';
import { commandIds } from '../common/ids';
import { ProbePanel, type ProbeDeps } from '../panels/probePanel';
import { selectedPython } from '../runs/pythonInterpreter';
import { readRunSettings } from '../common/settings';
import { isStepNode } from '../views/experimentsTree';

/** The checkpoint a command was invoked on: an Explorer file, an Experiments step, a cached Hub checkpoint. */
function checkpointOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (isStepNode(arg)) return arg.step.finalCheckpoint?.path;
  const local = (arg as { file?: { localPath?: unknown } } | undefined)?.file?.localPath;
  return typeof local === 'string' ? local : undefined;
}

export function registerProbeCommands(deps: ProbeDeps & { cacheRoot: string }): vscode.Disposable[] {
  return [
    ProbePanel.registerSerializer(deps),
    vscode.commands.registerCommand(commandIds.openProbe, () => ProbePanel.show(deps)),
    vscode.commands.registerCommand(commandIds.exportForProbe, async (arg?: unknown) => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Exporting runs Python: trust this workspace first.');
        return;
      }
      const checkpoint =
        checkpointOf(arg) ??
        (
          await vscode.window.showOpenDialog({
            title: 'Export Checkpoint for Probing',
            canSelectMany: false,
            filters: { Checkpoints: ['pt', 'pth', 'bin', 'safetensors'] },
          })
        )?.[0]?.fsPath;
      if (!checkpoint) return;
      await exportFlow(deps, checkpoint);
    }),
  ];
}

async function exportFlow(deps: ProbeDeps & { cacheRoot: string }, checkpoint: string): Promise<void> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const report = await inspectCheckpoint(checkpoint).catch((error: unknown) => {
    void vscode.window.showErrorMessage(
      `${checkpoint} cannot be read as a checkpoint: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  });
  if (!report) return;
  const arch = report.architecture?.name;
  if (!arch) {
    void vscode.window.showErrorMessage(
      `The CLIP architecture of ${checkpoint} could not be recognised from its shapes, so open_clip cannot rebuild it for the export.`,
    );
    return;
  }
  const { python } = await selectedPython(root, root ? readRunSettings(root.fsPath).python : undefined);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Exporting ${arch} for probing`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      try {
        progress.report({ message: 'hashing the checkpoint…' });
        const sha256 = await fileSha256(checkpoint, controller.signal);
        let last = 0;
        const result = await exportForProbe({
          python,
          script: join(deps.extensionUri.fsPath, 'python', 'exportProbe.py'),
          checkpoint,
          arch,
          sha256,
          cacheRoot: deps.cacheRoot,
          signal: controller.signal,
          onProgress: (fraction, message) => {
            progress.report({ message, increment: Math.max(0, (fraction - last) * 100) });
            last = fraction;
          },
        });
        deps.log.info(`Probe export of ${checkpoint}: ${result.dir}${result.cached ? ' (already exported)' : ''}.`);
        ProbePanel.refresh();
        const open = await vscode.window.showInformationMessage(
          result.cached ? `${checkpoint} was exported before.` : `Exported ${arch} for probing.`,
          'Open Probe',
        );
        if (open) ProbePanel.show(deps);
      } catch (error) {
        if (error instanceof ProbeError && error.reason === 'cancelled') return;
        const text = error instanceof Error ? error.message : String(error);
        deps.log.error(`Probe export failed: ${text}`);
        void vscode.window.showErrorMessage(text, 'Show Log').then((a) => a && deps.log.show(true));
      }
    },
  );
}
