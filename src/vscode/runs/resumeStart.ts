import * as vscode from 'vscode';
import { inspectCheckpoint } from '../../checkpoint/report';
import {
  chainResumeDefaults,
  forkedBy,
  monthlyBranchDefaults,
  publishedMonthlyBranchDefaults,
  publishedResumeDefaults,
  type ChainResumeDefaults,
} from '../../plan/chainResume';
import { PlanError } from '../../plan/planError';
import { freeVariantName, variantNameProblem } from '../../plan/variantName';
import type { ClipModelName } from '../../tic/clipModels';
import { scalesForModel, scalesNotForModel } from '../../tic/scalesForModel';
import { ticClipRepos } from '../../tic/ticClipRepos';
import { ticScaleConfigs, ticScales, type TicScale } from '../../tic/ticScales';
import type { TicStrategy } from '../../tic/ticTimeline';
import { formatTimeStep } from '../../tic/ticTimeStep';
import type { Chain } from '../../workspace/chains';
import type { Workspace } from '../../workspace/workspaceScan';
import type { RunsService } from './runsService';
import { forPeople } from '../common/peopleText';
import { back, input, pick, type Back, type StepPosition } from '../launch/launchWizard';

// What the launch flows that train onward (Resume from YEAR or MONTH, Continue the Chain, Branch a Monthly Chain) ask
// about their start: a step of a chain of the workspace (yearly or monthly), or a published TiC-CLIP checkpoint on
// this machine.

/** Where training continues from: in a monthly chain, `year` is the step's month (`YYYYMM`). */
export type ResumeStart =
  | { readonly kind: 'step'; readonly chain: Chain; readonly year: number }
  | { readonly kind: 'published'; readonly repo: string; readonly year: number; readonly path: string };

export interface ResolvedStart {
  readonly start: ResumeStart;
  readonly defaults: ChainResumeDefaults;
  /** The checkpoint's model when the scale must be chosen for it (a published start), else null. */
  readonly model: ClipModelName | null;
  /** The chain's strategy, or the repo's; null when the repo's name does not say. */
  readonly strategy: TicStrategy | null;
  /** For prompts: "the 2016 step", "the 2020-02 step" or "apple/TiC-CLIP-bestpool-cumulative 2016". */
  readonly name: string;
  /** Experiment folders a run of this window is training (or waiting to): not stopped, whatever the log says. */
  readonly busy: ReadonlySet<string>;
}

/**
 * The defaults of a start, or undefined after telling the user why there is none. `monthlyBranch`: the start is a
 * yearly step (or a published year) that a new monthly chain branches off, rather than the step to continue.
 */
export async function resolveStart(
  runs: RunsService,
  start: ResumeStart,
  monthlyBranch = false,
): Promise<ResolvedStart | undefined> {
  // What already continues from the start decides whether this launch forks: a run started a moment ago counts.
  await runs.rescan();
  const ws = runs.workspace;
  if (!ws) return undefined;
  const busy = new Set(
    runs.runs.flatMap((r) =>
      (r.status === 'running' || r.status === 'queued') && r.outputDir !== undefined ? [r.outputDir] : [],
    ),
  );
  try {
    const chains = [...ws.chains, ...monthlyChainsOf(ws)];
    if (start.kind === 'step') {
      const defaults = (monthlyBranch ? monthlyBranchDefaults : chainResumeDefaults)(
        start.chain,
        ws.experiments,
        start.year,
        chains,
      );
      const name = `the ${formatTimeStep(start.year)} step`;
      return { start, defaults, model: null, strategy: start.chain.strategy, name, busy };
    }
    const defaults = (monthlyBranch ? publishedMonthlyBranchDefaults : publishedResumeDefaults)(
      start,
      ws.experiments,
      chains,
    );
    return {
      start,
      defaults,
      model: await modelOf(start),
      strategy: defaults.request.strategy ?? null,
      name: `${start.repo} ${start.year}`,
      busy,
    };
  } catch (error) {
    void vscode.window.showErrorMessage(
      error instanceof PlanError
        ? forPeople(error.message)
        : `Cannot continue from ${start.kind === 'published' ? start.path : `the ${formatTimeStep(start.year)} step`}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

/** The workspace's monthly chains (steps are months); none where the scan has none. */
export function monthlyChainsOf(ws: Workspace): readonly Chain[] {
  return (ws as { readonly monthlyChains?: readonly Chain[] }).monthlyChains ?? [];
}

/**
 * The model of a published checkpoint, read from its shapes; when they do not say (a stand-in, an unusual file), the
 * six apple/TiC-CLIP repos are ViT-B-16 (contracts §6.1). Null: unknown.
 */
async function modelOf(start: Extract<ResumeStart, { kind: 'published' }>): Promise<ClipModelName | null> {
  const name = (await inspectCheckpoint(start.path)).architecture?.name ?? null;
  if (name !== null) return name;
  return (ticClipRepos as readonly string[]).includes(start.repo) ? 'ViT-B-16' : null;
}

/**
 * The scale for a published start: only scales whose model is the checkpoint's, since train.py loads the checkpoint
 * into the scale's own model. Undefined when cancelled or when no scale fits (the user has been told).
 */
export async function askScale(
  title: string,
  resolved: ResolvedStart,
  at?: StepPosition,
  kept?: TicScale,
): Promise<TicScale | Back | undefined> {
  const model = resolved.model;
  const fitting = model === null ? [...ticScales] : scalesForModel(model);
  if (fitting.length === 0) {
    void vscode.window.showErrorMessage(
      `No TiC scale trains ${model ?? 'this model'}, the model of ${resolved.name}: it cannot be continued.`,
    );
    return undefined;
  }
  // The published checkpoints were trained at tic_xlarge (contracts §6.1): offer it first.
  const ordered = [...fitting].sort((a, b) => (a === 'tic_xlarge' ? -1 : b === 'tic_xlarge' ? 1 : 0));
  const others = model === null ? [] : scalesNotForModel(model);
  const published =
    resolved.start.kind === 'published' && (ticClipRepos as readonly string[]).includes(resolved.start.repo);
  type Item = vscode.QuickPickItem & { scale?: TicScale; refused?: string };
  const items: Item[] = ordered.map((scale) => {
    const c = ticScaleConfigs[scale];
    return {
      label: scale,
      description: `${c.model}${published && scale === 'tic_xlarge' ? ' · the scale it was trained at' : ''}`,
      detail: `global batch ${c.globalBatch.toLocaleString('en-US')} · lr ${c.learningRate} · ${c.trainNumSamples.toLocaleString('en-US')} samples per step`,
      scale,
    };
  });
  if (others.length > 0) {
    // Shown, not offered: the card's own example runs tic_medium, so people look for it and should read why not.
    items.push({ label: `cannot continue a ${model ?? ''} checkpoint`, kind: vscode.QuickPickItemKind.Separator });
    for (const o of others) {
      const why = `${o.scale} trains ${o.model}; this checkpoint is ${model ?? ''}, and train.py cannot load it into a ${o.model} model.`;
      const card =
        o.scale === 'tic_medium' ? " The model card's example names tic_medium, but that run would fail." : '';
      items.push({
        label: `$(circle-slash) ${o.scale}`,
        description: `trains ${o.model}`,
        ...(card ? { detail: `Named in the model card's example, but it cannot load this checkpoint.` } : {}),
        refused: why + card,
      });
    }
  }
  const placeHolder =
    model === null
      ? "The checkpoint's model could not be read from its shapes: choose the scale that trains it."
      : `Only scales that train ${model} can continue this checkpoint.`;
  for (;;) {
    const chosen = await pick({
      title,
      items,
      placeholder: placeHolder,
      active: (i) => i.scale !== undefined && i.scale === (kept ?? ordered[0]),
      ...(at ? { at } : {}),
    });
    if (chosen === undefined || chosen === back) return chosen;
    if (chosen.refused === undefined) return chosen.scale;
    await vscode.window.showWarningMessage(chosen.refused, { modal: true }, 'Choose Another Scale');
  }
}

/**
 * A name for the new variant when the start already continues as other experiments (launching from it forks):
 * an input box proposing a free name, validated as the user types. Resolves to the chain's own variant (or null)
 * when nothing continues from the start yet, and to undefined when cancelled.
 */
export async function askVariant(
  title: string,
  resolved: ResolvedStart,
  strategy: TicStrategy,
  nextName: (variant: string) => string,
  at?: StepPosition,
  kept?: string | null,
): Promise<string | null | Back | undefined> {
  const own = resolved.defaults.request.variant ?? null;
  const forked = forkedBy(resolved.defaults.continuesAs, strategy);
  const siblings = forked.map((c) => c.expName);
  if (siblings.length === 0) return own;
  // Nothing from here trained to the end (a crash, a stop): most likely a retry, which stays the same step.
  const retryable = forked.every(
    (c) => c.status === 'failed' || (c.status === 'incomplete' && !resolved.busy.has(c.dir)),
  );
  if (retryable) {
    const retry = {
      label: 'Another attempt at this step',
      detail: `${siblings.join(', ')} did not finish: train it again.`,
    };
    const variant = {
      label: 'A new variant',
      detail: 'Continue this checkpoint with other settings, as a lineage of its own next to the existing one.',
    };
    const chosen = await pick({
      title,
      items: [retry, variant],
      active: (i) => (kept === undefined || kept === own ? i === retry : i === variant),
      ...(at ? { at } : {}),
    });
    if (chosen === undefined || chosen === back) return chosen;
    if (chosen === retry) return own;
  }
  const taken = new Set(resolved.defaults.takenVariants.map((t) => t.toLowerCase()));
  const proposed = kept !== undefined && kept !== null && kept !== own ? kept : freeVariantName(taken);
  const shown = siblings.length > 3 ? [...siblings.slice(0, 3), `${siblings.length - 3} more`] : siblings;
  const variant = await input({
    title,
    value: proposed,
    valueSelection: [0, proposed.length],
    ...(at ? { at: { ...at, canGoBack: true } } : {}),
    prompt: `This checkpoint already continues as ${shown.join(', ')}. A new run from it starts another variant: name it (letters, digits, . + -). Its first experiment: ${nextName(proposed)}.`,
    validate: (v) => {
      const problem = variantNameProblem(v.trim());
      if (problem !== null) return problem;
      if (taken.has(v.trim().toLowerCase()))
        return `${v.trim()} is already used next to this step: choose another name.`;
      return {
        message: `Its first experiment: ${nextName(v.trim())}`,
        severity: vscode.InputBoxValidationSeverity.Info,
      };
    },
  });
  return variant === undefined || variant === back ? variant : variant.trim();
}
