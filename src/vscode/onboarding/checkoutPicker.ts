import { basename, isAbsolute, relative } from 'node:path';
import * as vscode from 'vscode';
import { findTicCheckout } from '../../workspace/ticCheckout';
import { settingKeys } from '../common/ids';
import { readRunSettings } from '../common/settings';
import type { Workspace } from '../../workspace/workspaceScan';

// "Choose ml-tic-clip Checkout…": a folder picker that checks the folder as the workspace scan does
// (workspace/ticCheckout.ts: datacomp/train.py and datacomp/evaluate.py) and writes the checkout setting, so nobody has
// to type a path into the settings.

/** What the picker needs of the RunsService (structural: src/vscode/runs imports this folder, not the reverse). */
export interface CheckoutHost {
  readonly root: vscode.Uri | undefined;
  readonly workspace: Workspace | undefined;
  rescan(): Promise<void>;
}

/**
 * Asks for the ml-tic-clip checkout, checks it and writes it to the settings: the workspace folder's when a folder is
 * open, else the user's. Resolves to the checkout's root, or undefined when cancelled (or the user has been told why
 * not). The setting is a restricted one: in an untrusted workspace its workspace value would be ignored, so the user
 * is asked to trust the workspace first.
 */
export async function chooseCheckout(runs: CheckoutHost): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && !vscode.workspace.isTrusted) {
    const action = await vscode.window.showWarningMessage(
      'In an untrusted workspace TiC Studio ignores its checkout setting (the checkout decides which programs run). Trust this workspace to choose a checkout.',
      'Manage Workspace Trust',
    );
    if (action) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  for (let near = folder?.uri; ;) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Choose the ml-tic-clip checkout (the folder with datacomp/train.py)',
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use This Checkout',
      ...(near ? { defaultUri: near } : {}),
    });
    const chosen = picked?.[0];
    if (!chosen) return undefined;
    // The folder itself, its ml-tic-clip/ child, or the checkout above a datacomp/ folder: as the workspace scan.
    const checkout = await findTicCheckout(chosen.fsPath);
    if (checkout) {
      // The folder's own settings (.vscode/settings.json of the opened folder); the setting is window-scoped, so
      // "Workspace" is where a folder window keeps it.
      const target = folder ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      const [section, ...rest] = settingKeys.runsCheckout.split('.');
      try {
        await vscode.workspace.getConfiguration(section).update(rest.join('.'), settingValue(checkout.root), target);
      } catch (error) {
        void vscode.window.showErrorMessage(
          `Could not save the checkout in the settings: ${error instanceof Error ? error.message : String(error)}`,
        );
        return undefined;
      }
      await runs.rescan();
      void vscode.window.showInformationMessage(`Using the ml-tic-clip checkout in ${basename(checkout.root)}.`);
      return checkout.root;
    }
    const again = await vscode.window.showErrorMessage(
      `${basename(chosen.fsPath)} is not an ml-tic-clip checkout: it has no datacomp/train.py and datacomp/evaluate.py, and neither has an ml-tic-clip folder in it.`,
      'Choose Another Folder…',
    );
    if (!again) return undefined;
    near = chosen;
  }
}

/**
 * Before a launch: the checkout the workspace scan found, or, when there is none, a message that says what is
 * missing with the action that fixes it. Resolves true once there is a checkout (then the flow goes on).
 */
export async function requireCheckout(runs: CheckoutHost, what: 'train' | 'evaluate'): Promise<boolean> {
  if (!runs.root) return false;
  if (!runs.workspace) await runs.rescan();
  // A workspace with the simulator set (the demo) runs the stand-ins, which need no checkout.
  if (runs.workspace?.checkout || readRunSettings(runs.root.fsPath).simulator !== undefined) return true;
  const action = await vscode.window.showWarningMessage(
    what === 'train'
      ? 'Training needs an ml-tic-clip checkout (it runs its datacomp/train.py), and this folder has none. Choose where it is checked out.'
      : 'Evaluation needs an ml-tic-clip checkout (it runs its datacomp/evaluate.py), and this folder has none. Choose where it is checked out.',
    'Choose Checkout…',
  );
  if (action !== 'Choose Checkout…') return false;
  return (await chooseCheckout(runs)) !== undefined && runs.workspace?.checkout != null;
}

/** The path as the setting keeps it: relative to the opened folder when inside it (a folder that moves keeps it). */
function settingValue(root: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder === undefined) return root;
  const inside = relative(folder, root);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? root : inside;
}
