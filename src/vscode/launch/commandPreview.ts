import * as vscode from 'vscode';
import { commandIds } from '../common/ids';
import { previewText, shellQuoteArgv, type CommandPlan } from '../../plan/commandPlan';

// The command a launch would run, before it runs: a read-only editor beside (one option per line, the checks above
// it as comments) and a dialog with Launch, Copy Command and Open in Terminal. The same three actions are buttons in
// the editor's title bar, so the preview keeps them after the dialog was dismissed.

const scheme = 'tic-studio-command';

interface Pending {
  readonly text: string;
  readonly plan: CommandPlan;
  readonly name: string;
  /** Launches (true) or gives up (false): the flow waiting on the preview goes on. */
  settle?: (launch: boolean) => void;
}

const previews = new Map<string, Pending>();
let counter = 0;

/** The command as a person pastes it: `cd DIR && PROGRAM ARGS`, quoted by shellQuoteArgv (display only). */
function pasteable(plan: CommandPlan): string {
  return `cd ${shellQuoteArgv([plan.cwd])} && ${shellQuoteArgv(plan.argv)}`;
}

export function registerCommandPreview(): vscode.Disposable {
  const current = (uri?: vscode.Uri): [string, Pending] | undefined => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (target?.scheme !== scheme) return undefined;
    const p = previews.get(target.path);
    return p && [target.path, p];
  };
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(scheme, {
      provideTextDocumentContent: (uri) => previews.get(uri.path)?.text ?? '',
    }),
    vscode.commands.registerCommand(commandIds.commandPreviewLaunch, (uri?: vscode.Uri) => {
      const found = current(uri);
      if (!found) return;
      if (!found[1].settle) {
        void vscode.window.showInformationMessage(
          'This command was launched or cancelled already: start the launch again to run it.',
        );
        return;
      }
      found[1].settle(true);
    }),
    vscode.commands.registerCommand(commandIds.commandPreviewCopy, async (uri?: vscode.Uri) => {
      const found = current(uri);
      if (found) await copy(found[1].plan);
    }),
    vscode.commands.registerCommand(commandIds.commandPreviewOpenInTerminal, (uri?: vscode.Uri) => {
      const found = current(uri);
      if (found) openInTerminal(found[1].plan, found[1].name);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme !== scheme) return;
      previews.get(doc.uri.path)?.settle?.(false);
      previews.delete(doc.uri.path);
    }),
  );
}

/** Copies `cd DIR && COMMAND`; false (and the user told why) when the clipboard refused. */
async function copy(plan: CommandPlan): Promise<boolean> {
  try {
    await vscode.env.clipboard.writeText(pasteable(plan));
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Could not copy the command: ${error instanceof Error ? error.message : String(error)}`,
    );
    return false;
  }
  vscode.window.setStatusBarMessage('$(check) Copied the command', 4000);
  return true;
}

/** A terminal with the command typed, not run: the user reads it and presses Enter (a run TiC Studio does not follow). */
function openInTerminal(plan: CommandPlan, name: string): void {
  const terminal = vscode.window.createTerminal({ name, cwd: plan.cwd, env: { ...plan.env } });
  terminal.show();
  terminal.sendText(shellQuoteArgv(plan.argv), false);
}

/**
 * Shows the command beside and asks. Resolves true to launch (the dialog's Launch, or later the editor's Launch
 * button), false when the user chose Open in Terminal, or closed the preview after dismissing the dialog.
 * `checks` and `footer`: lines the dialog and the preview's comments both say (the checks, "Simulated…").
 */
export async function confirmInPreview(
  title: string,
  plan: CommandPlan,
  checks: readonly string[],
  footer: readonly string[],
): Promise<boolean> {
  // The tab's name: the launch's own words, up to its details in parentheses.
  const short = (title.split(' (')[0] ?? title)
    .replace(/[^\w.-]+/g, ' ')
    .trim()
    .slice(0, 48);
  const path = `/${++counter}/${short}.sh`;
  const pending: Pending = { text: previewText(plan, [title, ...checks, ...footer]), plan, name: title.slice(0, 40) };
  previews.set(path, pending);
  const uri = vscode.Uri.from({ scheme, path });
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'shellscript').then(undefined, () => undefined);
  await vscode.window.showTextDocument(doc, {
    preview: true,
    // Beside what is open (a dashboard stays in view); in the editor area itself when it is empty (no empty half).
    viewColumn: vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
    preserveFocus: true,
  });
  const base = [
    ...checks,
    ...footer,
    `The command (open in the editor, one option per line):\n${shellQuoteArgv(plan.argv)}`,
  ];
  let copied = false;
  for (;;) {
    const detail = (copied ? ['Copied the command to the clipboard.', ...base] : base).join('\n\n');
    const answer = await vscode.window.showInformationMessage(
      title,
      { modal: true, detail },
      'Launch',
      'Copy Command',
      'Open in Terminal',
    );
    if (answer === 'Copy Command') {
      copied = await copy(plan);
      continue;
    }
    if (answer === 'Open in Terminal') {
      openInTerminal(plan, pending.name);
      return false;
    }
    if (answer === 'Launch') return true;
    // Dismissed: the preview keeps its Launch button until it is closed.
    return new Promise<boolean>((resolve) => {
      pending.settle = (launch) => {
        pending.settle = undefined;
        resolve(launch);
      };
    });
  }
}
