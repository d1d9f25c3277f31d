import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { queryGpus } from '../../plan/gpuQuery';
import type { SlurmCommands } from '../../runs/slurm/slurmCommands';
import type { RunSettings } from '../common/settings';

// A first resume on a laptop: no NVIDIA GPU, no torch, no Slurm. Rather than a command that can only fail, the launch
// flows offer to simulate it with the stand-ins the demo uses (demo/simulator/, shipped in the .vsix with the demo's
// stand-in data), for this window, without anyone writing ticStudio.runs.* settings by hand. Why a question and not a
// silent switch: a simulated run trains nothing, and a person who has a GPU elsewhere must be the one who decides.

/** The extension's own id (publisher.name in package.json). */
const extensionId = 'tic-studio.tic-studio';

/** The answer given in this window, per workspace folder: simulate or not (asked once). */
const answers = new Map<string, boolean>();

/**
 * The run settings a launch uses. Where no simulator is set, no NVIDIA GPU is found and Slurm is not installed, the
 * user is asked whether to simulate (once per window); "Simulate" adds the bundled stand-ins and, where the settings
 * set none, their stand-in data. Undefined: cancelled.
 */
export async function withSimulationOffer(
  root: string,
  settings: RunSettings,
  slurm: SlurmCommands,
): Promise<RunSettings | undefined> {
  if (settings.simulator !== undefined || answers.get(root) === false) return settings;
  const demo = bundledDemo();
  if (demo === undefined) return settings;
  if (answers.get(root) !== true) {
    if ((await queryGpus(nvidiaSmi)).length > 0 || (await slurmInstalled(slurm))) return settings;
    const simulate = 'Simulate';
    const answer = await vscode.window.showWarningMessage(
      'No NVIDIA GPU was found on this machine',
      {
        modal: true,
        detail:
          'Training and evaluation need one (or a Slurm cluster), so the command would fail here. Simulate instead: a stand-in writes the same logs, checkpoints and results, labelled simulated, without training anything. Asked once per window.',
      },
      simulate,
      'Run for Real',
    );
    if (answer === undefined) return undefined;
    answers.set(root, answer === simulate);
    if (answer !== simulate) return settings;
  }
  return {
    ...settings,
    simulator: join(demo, 'simulator'),
    dataRoot: settings.dataRoot ?? join(demo, 'data', 'train'),
    monthlyDataRoot: settings.monthlyDataRoot ?? join(demo, 'data', 'train-monthly'),
    imagenetVal: settings.imagenetVal ?? join(demo, 'data', 'imagenet', 'val'),
  };
}

/** The demo folder shipped with the extension, when its stand-in trainer is there. */
function bundledDemo(): string | undefined {
  const root = vscode.extensions.getExtension(extensionId)?.extensionUri.fsPath;
  if (root === undefined) return undefined;
  const demo = join(root, 'demo');
  return existsSync(join(demo, 'simulator', 'standInTrain.mjs')) ? demo : undefined;
}

async function slurmInstalled(slurm: SlurmCommands): Promise<boolean> {
  try {
    await slurm.partitions();
    return true;
  } catch {
    return false;
  }
}

function nvidiaSmi(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 10000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}
