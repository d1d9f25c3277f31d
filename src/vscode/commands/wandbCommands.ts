import * as vscode from 'vscode';
import { wandbEntityProblem, wandbRunOf, wandbRunUrl } from '../../results/wandbRun';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { commandIds } from '../common/ids';
import { readWandbEntity, saveWandbEntity } from '../common/settings';
import type { RunsService } from '../runs/runsService';
import { isStepNode } from '../views/experimentsTree';

/**
 * "Open Run in Weights and Biases" (a menu title cannot hold &: it marks a mnemonic): the Weights & Biases page of a step that reported there (params.txt: `report_to` wandb). The
 * page's address needs the W&B user or team the run was logged under, which no file of the run holds: it comes
 * from the `ticStudio.wandb.entity` setting (user settings only), else `WANDB_ENTITY`, else it is asked once and
 * saved. A self-hosted server is taken from `WANDB_BASE_URL`, as the W&B client does.
 */
export function registerWandbCommands(runs: RunsService): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(commandIds.openWandbRun, async (arg?: unknown) => {
      if (!isStepNode(arg)) return;
      const experiment = runs.workspace?.experiments.find((e) => e.dir === arg.step.experiment);
      const run = wandbRunOf(experiment?.params ?? null);
      const step = `${arg.chain.strategy} ${formatTimeStep(arg.step.year)}`;
      if (!run) {
        void vscode.window.showInformationMessage(`The ${step} step did not report to W&B (its parameters say so).`);
        return;
      }
      const entity = await wandbEntity();
      if (entity === undefined) return;
      const url = wandbRunUrl(run, entity, process.env.WANDB_BASE_URL || undefined);
      if (url === null) {
        void vscode.window.showErrorMessage(
          `Cannot make the W&B address: the server address in WANDB_BASE_URL is not an http(s) address.`,
        );
        return;
      }
      await vscode.env.openExternal(vscode.Uri.parse(url, true));
    }),
  ];
}

async function wandbEntity(): Promise<string | undefined> {
  const saved = readWandbEntity();
  if (saved !== '' && wandbEntityProblem(saved) === null) return saved;
  const env = process.env.WANDB_ENTITY?.trim();
  if (env && wandbEntityProblem(env) === null) return env;
  const entered = await vscode.window.showInputBox({
    title: 'Open Run in Weights and Biases',
    prompt: 'The W&B user or team the runs were logged under (saved in your user settings).',
    placeHolder: 'your-team',
    ignoreFocusOut: true,
    validateInput: (v) => wandbEntityProblem(v.trim()),
  });
  if (entered === undefined) return undefined;
  await saveWandbEntity(entered.trim());
  return entered.trim();
}
