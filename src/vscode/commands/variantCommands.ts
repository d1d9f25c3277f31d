import * as vscode from 'vscode';
import type { Chain } from '../../workspace/chains';
import { validVariantName, writeVariantName } from '../../workspace/variantNamesFile';
import { commandIds } from '../common/ids';
import type { RunsService } from '../runs/runsService';
import { isChainNode } from '../views/experimentsTree';

/**
 * "Rename Variant…": the name people read for one lineage of a forked chain, kept in the workspace's
 * `.tic-studio/variants.json` (so a teammate opening the folder sees the same names); empty brings back the
 * derived name.
 */
export function registerVariantCommands(runs: RunsService): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(commandIds.renameVariant, async (arg?: unknown) => {
      const root = runs.root?.fsPath;
      if (!root) return;
      const chain = isChainNode(arg) ? arg.chain : await pickVariant(runs);
      if (!chain) return;
      const name = await vscode.window.showInputBox({
        title: `Rename the variant ${chain.label}`,
        value: chain.variantSource === 'user' ? (chain.variant ?? '') : '',
        placeHolder: chain.variant ?? '',
        prompt: `Leave empty to go back to the derived name. Kept in ${vscode.workspace.asRelativePath(`${root}/.tic-studio/variants.json`)}.`,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() === '' ? undefined : validVariantName(v)),
      });
      if (name === undefined) return;
      try {
        await writeVariantName(root, chain.key, name.trim() === '' ? null : name);
      } catch (error) {
        void vscode.window.showErrorMessage(
          `Could not save the variant's name: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
      await runs.rescan();
    }),
  ];
}

async function pickVariant(runs: RunsService): Promise<Chain | undefined> {
  const variants = (runs.workspace?.chains ?? []).filter((c) => c.variant !== null);
  if (variants.length === 0) {
    void vscode.window.showInformationMessage(
      'No chain has variants yet: a variant appears when two runs continue from the same step.',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    variants.map((chain) => ({ label: chain.variant!, description: chain.group, chain })),
    { title: 'Rename Variant…: which one?' },
  );
  return pick?.chain;
}
