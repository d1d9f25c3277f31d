import { basename } from 'node:path';
import * as vscode from 'vscode';
import { wandbRunOf } from '../../results/wandbRun';
import type { StepProtocolWire } from '../../protocol/dashboardMessages';
import { protocolMark, protocolSentence, protocolTooltip } from '../../protocol/protocolMarks';
import { scanProtocol, stepProtocolWire } from '../../wire/protocolWire';
import { stepLineage } from '../../wire/stepParamsWire';
import { attemptLabel, attemptState, type Chain, type ChainStep, type StepAttempt } from '../../workspace/chains';
import type { Workspace } from '../../workspace/workspaceScan';
import { yearOfMonth } from '../../tic/ticMonths';
import { formatTimeStep } from '../../tic/ticTimeStep';
import type { RunsService } from '../runs/runsService';

export interface ChainNode {
  kind: 'chain';
  chain: Chain;
}

/** A strategy × filtering × scale with several lineages: its variants are the children. */
export interface GroupNode {
  kind: 'group';
  group: string;
  chains: Chain[];
}

export interface StepNode {
  kind: 'step';
  chain: Chain;
  step: ChainStep;
}

/** The months of one calendar year in a monthly chain. */
export interface MonthYearNode {
  kind: 'monthYear';
  chain: Chain;
  year: number;
  steps: ChainStep[];
}

/** An attempt at a step other than the one the step shows (contracts §1.8): its files are its children. */
export interface AttemptNode {
  kind: 'attempt';
  chain: Chain;
  step: ChainStep;
  attempt: StepAttempt;
}

interface FileNode {
  kind: 'file';
  label: string;
  path: string;
  icon: string;
  /** `reveal`: a folder, shown in the Explorer. */
  open: 'inspect' | 'text' | 'reveal';
  description?: string;
}

interface MessageNode {
  kind: 'message';
  text: string;
  icon: string;
  tooltip?: string;
  /** Secondary words after the text (the side bar cuts these first). */
  description?: string;
}

export type ExperimentsNode = GroupNode | ChainNode | MonthYearNode | StepNode | AttemptNode | FileNode | MessageNode;

export function isStepNode(value: unknown): value is StepNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'step';
}

export function isChainNode(value: unknown): value is ChainNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'chain';
}

const stepIcons: Record<string, string> = {
  finished: 'pass',
  failed: 'error',
  incomplete: 'debug-pause',
  notStarted: 'circle-outline',
};

/**
 * The Experiments view: chains (strategy × filtering × scale) → training steps 2016…2022 → the step's
 * checkpoint, log and evaluation. Where a chain forks into variants (lineages, contracts §1.8): strategy ×
 * filtering × scale → variants → their own steps, each forked variant first saying where it leaves the other (the
 * shared steps are shown once). Steps with a checkpoint offer "Resume from YEAR" and "Evaluate". Monthly chains
 * (contracts §1.8) follow the yearly ones: where they branched off, then their months grouped by year.
 */
export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** The protocol guard's report of each own step, by experiment folder, for the scan in `protocolScan`. */
  private protocol = new Map<string, StepProtocolWire>();
  private protocolScan: Workspace | undefined;

  constructor(private readonly runs: RunsService) {
    this.subscription = runs.onDidChange(() => {
      this.refreshProtocol();
      this.changed.fire();
    });
    this.refreshProtocol();
  }

  /**
   * Checks the chains against the protocol once per scan (the view changes far more often, with every run's
   * progress), as the dashboard does (protocolWire.ts); the steps show their marks when it is done.
   */
  private refreshProtocol(): void {
    const ws = this.runs.workspace;
    if (ws === this.protocolScan) return;
    this.protocolScan = ws;
    if (!ws) {
      this.protocol = new Map();
      return;
    }
    scanProtocol(ws).then(
      (reports) => {
        if (this.protocolScan !== ws) return;
        this.protocol = new Map(reports.flatMap((r) => r.steps.map((s) => [s.experiment, stepProtocolWire(s)])));
        this.changed.fire();
      },
      () => undefined,
    );
  }

  getChildren(node?: ExperimentsNode): ExperimentsNode[] {
    const ws = this.runs.workspace;
    if (!node) {
      if (this.runs.scanError)
        return [{ kind: 'message', text: `Could not scan the workspace: ${this.runs.scanError}`, icon: 'error' }];
      if (!ws)
        return this.runs.root ? [{ kind: 'message', text: 'Scanning the workspace…', icon: 'loading~spin' }] : [];
      if (!ws.checkout && ws.experiments.length === 0) return [];
      const groups = new Map<string, Chain[]>();
      for (const chain of [...ws.chains, ...ws.monthlyChains])
        groups.set(chain.group, [...(groups.get(chain.group) ?? []), chain]);
      const chains: ExperimentsNode[] = [...groups].map(([group, list]) =>
        list.length === 1 ? { kind: 'chain', chain: list[0]! } : { kind: 'group', group, chains: list },
      );
      for (const u of ws.unchained)
        chains.push({ kind: 'message', text: `${u.name}: not in a chain (${u.reason})`, icon: 'question' });
      // Files that are there but were not read (a named pipe, a device, too large), and lineages that could not be
      // followed (a parent not in the workspace, a loop): said, not silently skipped.
      for (const p of ws.problems)
        chains.push({
          kind: 'message',
          text: `${p.kind === 'file' ? 'Not read' : 'Lineage'}: ${p.message.replace(`${ws.root}/`, '')}`,
          icon: 'warning',
          tooltip: p.message,
        });
      return chains;
    }
    if (node.kind === 'group') return node.chains.map((chain) => ({ kind: 'chain', chain }));
    if (node.kind === 'chain') return this.chainChildren(node.chain);
    if (node.kind === 'monthYear') return node.steps.map((step) => ({ kind: 'step', chain: node.chain, step }));
    if (node.kind === 'step') {
      const s = node.step;
      const children: ExperimentsNode[] = [];
      if (s.finalCheckpoint)
        children.push({
          kind: 'file',
          label: basename(s.finalCheckpoint.path),
          path: s.finalCheckpoint.path,
          icon: 'package',
          open: 'inspect',
          description: 'checkpoint',
        });
      const exp = ws?.experiments.find((e) => e.dir === s.experiment);
      if (exp?.files.outLog)
        children.push({
          kind: 'file',
          label: 'out.log',
          path: exp.files.outLog.path,
          icon: 'output',
          open: 'text',
          description: 'training log',
        });
      if (s.eval)
        children.push({
          kind: 'file',
          label: 'eval_results.jsonl',
          path: `${s.eval.dir}/eval_results.jsonl`,
          icon: 'graph',
          open: 'text',
          description: `${s.eval.tasks} tasks${evalAttempt(s)}`,
        });
      else children.push({ kind: 'message', text: 'not evaluated yet', icon: 'circle-slash' });
      // The step's other attempts, newest first (a retry shows the stopped attempt it replaced).
      for (const attempt of [...s.attempts].reverse())
        if (!attempt.shown) children.push({ kind: 'attempt', chain: node.chain, step: s, attempt });
      return children;
    }
    if (node.kind === 'attempt') return this.attemptChildren(node.attempt);
    return [];
  }

  /** An attempt's checkpoint, log and folder. */
  private attemptChildren(attempt: StepAttempt): ExperimentsNode[] {
    const exp = this.runs.workspace?.experiments.find((e) => e.dir === attempt.experiment);
    const children: ExperimentsNode[] = [];
    if (exp?.finalCheckpoint)
      children.push({
        kind: 'file',
        label: basename(exp.finalCheckpoint.path),
        path: exp.finalCheckpoint.path,
        icon: 'package',
        open: 'inspect',
        description: 'checkpoint',
      });
    if (exp?.files.outLog)
      children.push({
        kind: 'file',
        label: 'out.log',
        path: exp.files.outLog.path,
        icon: 'output',
        open: 'text',
        description: 'training log',
      });
    // Short: the folder's name is in the attempt's tooltip, and would be cut off at this depth.
    children.push({
      kind: 'file',
      label: 'output folder',
      path: attempt.experiment,
      icon: 'folder-opened',
      open: 'reveal',
    });
    return children;
  }

  /** A chain's rows: where it starts (a published checkpoint, a fork), then its own steps. */
  private chainChildren(chain: Chain): ExperimentsNode[] {
    const rows: ExperimentsNode[] = [];
    const published = chain.steps.filter((s) => s.published !== null && !s.inherited);
    if (published.length > 0 && chain.root.kind === 'published') {
      const first = published[0]!.year;
      const last = published[published.length - 1]!.year;
      rows.push({
        kind: 'message',
        text: `${first === last ? first : `${first}–${last}`}: published checkpoint`,
        icon: 'cloud',
        tooltip: `This lineage starts from the published ${chain.root.repo} checkpoint of ${chain.root.year}:\n${chain.root.path}`,
      });
    }
    if (chain.forkedFrom !== null) {
      const from = this.runs.workspace?.chains.find((c) => c.key === chain.forkedFrom?.chain);
      const shared = chain.steps.filter((s) => s.inherited && (s.experiment !== null || s.published !== null));
      rows.push({
        kind: 'message',
        text: `forked from ${from?.variant ?? from?.label ?? 'another variant'} after ${chain.forkedFrom.year}`,
        icon: 'repo-forked',
        tooltip: `Shares ${shared.map((s) => s.year).join(', ') || 'its first steps'} with ${from?.label ?? chain.forkedFrom.chain}; the steps below are this variant's own.`,
      });
    }
    if (chain.timescale === 'monthly') rows.push(this.branchRow(chain));
    if (chain.root.kind === 'missing' || chain.root.kind === 'external') {
      rows.push({
        kind: 'message',
        text:
          chain.root.kind === 'missing'
            ? 'starts from an experiment not found here'
            : 'starts from a checkpoint outside the workspace',
        icon: chain.root.kind === 'missing' ? 'warning' : 'file',
        tooltip: chain.root.path,
      });
    }
    const own = chain.steps.filter((step) => step.experiment !== null && !step.inherited);
    if (chain.timescale === 'monthly') {
      for (const year of [...new Set(own.map((s) => yearOfMonth(s.year)))])
        rows.push({ kind: 'monthYear', chain, year, steps: own.filter((s) => yearOfMonth(s.year) === year) });
      return rows;
    }
    for (const step of own) rows.push({ kind: 'step', chain, step });
    return rows;
  }

  /** Where a monthly chain branched off: a yearly step of a chain here, or a published checkpoint. */
  private branchRow(chain: Chain): MessageNode {
    const branch = chain.branch;
    if (branch === null)
      return {
        kind: 'message',
        text: 'branched off a step not found here',
        icon: 'question',
        tooltip: 'Its first month does not say which yearly checkpoint it started from.',
      };
    if (branch.published !== null)
      return {
        kind: 'message',
        text: `branched off ${branch.year}`,
        description: 'published',
        icon: 'cloud',
        tooltip: `Its first month continues the published ${branch.published} checkpoint of ${branch.year}.`,
      };
    const from = this.runs.workspace?.chains.find((c) => c.key === branch.chain);
    return {
      kind: 'message',
      text: `branched off ${branch.year}`,
      description: from ? [from.strategy, from.variant].filter((x) => x !== null).join(' · ') : 'a yearly step',
      icon: 'git-branch',
      tooltip: `Its first month continues ${branch.expName ?? `the ${branch.year} step`}${from ? ` (${from.label})` : ''}.`,
    };
  }

  /** For TreeView.reveal: a step's parent is its chain, a variant's its group. */
  getParent(node: ExperimentsNode): ExperimentsNode | undefined {
    if (node.kind === 'step' && node.chain.timescale === 'monthly') {
      const year = yearOfMonth(node.step.year);
      const steps = node.chain.steps.filter(
        (s) => s.experiment !== null && !s.inherited && yearOfMonth(s.year) === year,
      );
      return { kind: 'monthYear', chain: node.chain, year, steps };
    }
    if (node.kind === 'attempt') return { kind: 'step', chain: node.chain, step: node.step };
    if (node.kind === 'step' || node.kind === 'monthYear') return { kind: 'chain', chain: node.chain };
    if (node.kind === 'chain' && node.chain.variant !== null) {
      const ws = this.runs.workspace;
      const chains = [...(ws?.chains ?? []), ...(ws?.monthlyChains ?? [])].filter((c) => c.group === node.chain.group);
      return { kind: 'group', group: node.chain.group, chains };
    }
    return undefined;
  }

  /** The node of a chain's step with an experiment (the dashboard reveals it), if the scan has it. */
  stepNode(chainKey: string, year: number): StepNode | undefined {
    const ws = this.runs.workspace;
    const chains = [...(ws?.chains ?? []), ...(ws?.monthlyChains ?? [])];
    let chain = chains.find((c) => c.key === chainKey);
    // A variant's steps before its fork are shown under the chain it forked from.
    for (let hops = 0; chain && hops < chains.length; hops++) {
      const step = chain.steps.find((s) => s.year === year && s.experiment !== null);
      if (!step) return undefined;
      if (!step.inherited) return { kind: 'step', chain, step };
      chain = chains.find((c) => c.key === chain?.forkedFrom?.chain);
    }
    return undefined;
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const first = node.chains[0]!;
        const item = new vscode.TreeItem(strategyLabel(first), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.group}`;
        // Short: the side bar is narrow, and the variants are the rows below.
        item.description = `${first.filtering ?? '?'} · ${shortScale(first.scale)}`;
        item.tooltip = `${node.group}: ${node.chains.length} variants (lineages that fork from a shared step)`;
        item.iconPath = strategyIcon(first.strategy);
        item.contextValue = 'chainGroup';
        item.accessibilityInformation = {
          label: `${strategyLabel(first)} chains, ${item.description}, ${node.chains.length} variants`,
        };
        return item;
      }
      case 'chain': {
        const c = node.chain;
        const years = c.steps.filter((s) => s.experiment !== null && !s.inherited).map((s) => formatTimeStep(s.year));
        const span =
          years.length === 0
            ? 'no steps'
            : years[0] === years[years.length - 1]
              ? years[0]!
              : `${years[0]}–${years[years.length - 1]}`;
        const variant = c.variant !== null;
        // A few chains open; a large workspace's start closed: a hundred open chains are a wall of rows, and their
        // hundreds of step rows sent at once blocked the extension host (bench/scaleWorkbenchBench.mjs).
        const chainCount = (this.runs.workspace?.chains.length ?? 0) + (this.runs.workspace?.monthlyChains.length ?? 0);
        const item = new vscode.TreeItem(
          variant ? c.variant! : strategyLabel(c),
          chainCount > openChainsUpTo
            ? vscode.TreeItemCollapsibleState.Collapsed
            : vscode.TreeItemCollapsibleState.Expanded,
        );
        item.id = `chain:${c.key}`;
        const root = c.root.kind === 'published' ? `on published ${c.root.year}` : null;
        // A main chain's row says filtering · scale (and a published root); its years are the rows under it (and in
        // the accessible name): with them the row did not fit the default side bar.
        const described = [c.filtering ?? '?', shortScale(c.scale), root, span].filter((x) => x !== null).join(' · ');
        item.description = variant
          ? [c.forkedFrom ? `from ${formatTimeStep(c.forkedFrom.year)}` : root, span]
              .filter((x) => x !== null)
              .join(' · ')
          : [c.filtering ?? '?', shortScale(c.scale), root].filter((x) => x !== null).join(' · ');
        item.iconPath = variant ? new vscode.ThemeIcon('git-branch') : strategyIcon(c.strategy);
        item.tooltip = [
          c.label,
          `lineage: ${c.lineage.join(' → ')}`,
          c.variantSource === 'params' ? 'named by the hyperparameters it changes' : null,
          c.guessed ? 'some steps are placed by their names: their files do not say what they started from' : null,
        ]
          .filter((x) => x !== null)
          .join('\n');
        item.contextValue = `${variant ? 'chain variant' : 'chain'}${c.timescale === 'monthly' ? ' monthly' : ''}`;
        item.accessibilityInformation = {
          label: variant
            ? `variant ${c.variant} of ${c.group}, ${item.description}`
            : `${strategyLabel(c)} chain, ${described}`,
        };
        return item;
      }
      case 'monthYear': {
        const item = new vscode.TreeItem(String(node.year), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `months:${node.chain.key}:${node.year}`;
        item.description = `${node.steps.length} month${node.steps.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('calendar');
        item.tooltip = node.steps.map((s) => `${formatTimeStep(s.year)}: ${s.expName ?? ''}`).join('\n');
        item.contextValue = 'monthYear';
        item.accessibilityInformation = { label: `${node.year}, ${item.description}` };
        return item;
      }
      case 'step': {
        const s = node.step;
        const item = new vscode.TreeItem(formatTimeStep(s.year), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `step:${node.chain.key}:${s.year}`;
        const status = s.status ?? 'notStarted';
        const running = this.runs.runs.find(
          (r) => r.status === 'running' && r.outputDir && s.experiment && r.outputDir === s.experiment,
        );
        const state = `${running ? 'running' : status}${s.shared ? ' · shared' : ''} · ${s.eval ? 'evaluated' : 'no eval'}`;
        const protocol = s.experiment === null ? undefined : this.protocol.get(s.experiment);
        // With the protocol mark, the side bar keeps only what is not the usual (the icon says finished, the
        // children say evaluated): `✓ protocol`, `no eval · ⚠ 2 deviations`; the accessible name says it all.
        const unusual = [
          running ? 'running' : status === 'finished' ? null : status,
          s.shared ? 'shared' : null,
          // A step still training has no evaluation, obviously: saying so cut the protocol mark off the row.
          s.eval || running ? null : 'no eval',
        ].filter((x) => x !== null);
        item.description = protocol ? [...unusual, protocolMark(protocol)].join(' · ') : state;
        const wandb = wandbRunOf(this.runs.workspace?.experiments.find((e) => e.dir === s.experiment)?.params ?? null);
        item.tooltip = [
          s.expName,
          lineageLine(node.chain, s, this.runs.workspace),
          s.statusReason,
          protocol ? protocolTooltip(protocol) : null,
          s.byNameRules ? 'Placed by its name: its files do not say which checkpoint it started from.' : null,
          s.children.length > 1
            ? `Continued by ${s.children.length} runs: ${s.children.map((c) => basename(c)).join(', ')}`
            : null,
          attemptsLine(s),
          wandb ? `Reported to W&B: project ${wandb.project}, run ${wandb.runId}` : null,
        ]
          .filter((x) => x)
          .join('\n');
        item.iconPath = new vscode.ThemeIcon(running ? 'sync~spin' : (stepIcons[status] ?? 'circle-outline'));
        const flags = [
          s.finalCheckpoint ? 'hasCheckpoint' : 'noCheckpoint',
          s.eval ? 'evaluated' : 'notEvaluated',
          node.chain.strategy === 'oracle' ? 'oracle' : 'continual',
          ...(wandb ? ['wandb'] : []),
        ];
        // A month has its own actions (the next month, the rest of the months); a year's apply to years only.
        item.contextValue = `${node.chain.timescale === 'monthly' ? 'monthStep' : 'step'} ${flags.join(' ')}`;
        const shownAttempt = s.attempts.find((a) => a.shown);
        item.accessibilityInformation = {
          label: `${formatTimeStep(s.year)}, ${state}${protocol ? `, ${protocolSentence(protocol)}` : ''}${shownAttempt ? `, attempt ${shownAttempt.number} of ${s.attempts.length}` : ''}`,
        };
        return item;
      }
      case 'attempt': {
        const a = node.attempt;
        // `attempt 1  stopped at E2/5`, as the Runs view says it: the side bar is narrow at this depth.
        const item = new vscode.TreeItem(`attempt ${a.number}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = attemptShortState(a);
        item.id = `attempt:${node.chain.key}:${node.step.year}:${a.experiment}`;
        const exp = this.runs.workspace?.experiments.find((e) => e.dir === a.experiment);
        item.tooltip = [a.expName, exp?.status.reason, a.experiment].filter((x) => x).join('\n');
        item.iconPath = new vscode.ThemeIcon(a.live ? 'sync~spin' : (stepIcons[a.status] ?? 'circle-outline'));
        item.contextValue = `attempt ${a.status}${exp?.finalCheckpoint ? ' hasCheckpoint' : ''}`;
        item.accessibilityInformation = {
          label: `${attemptLabel(a)}, ${a.expName}`,
        };
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.resourceUri = vscode.Uri.file(node.path);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.path;
        if (node.open === 'reveal')
          item.accessibilityInformation = { label: `${node.label}, ${basename(node.path)}, reveal in the Explorer` };
        item.command =
          node.open === 'inspect'
            ? {
                command: 'ticStudio.inspectCheckpoint',
                title: 'Inspect Checkpoint',
                arguments: [vscode.Uri.file(node.path)],
              }
            : node.open === 'reveal'
              ? { command: 'revealInExplorer', title: 'Reveal in Explorer', arguments: [vscode.Uri.file(node.path)] }
              : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.description = node.description;
        item.tooltip = node.tooltip ?? node.text;
        item.accessibilityInformation = {
          label: node.description === undefined ? node.text : `${node.text}, ${node.description}`,
        };
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Up to this many chains, each starts open in the view; more start closed. */
const openChainsUpTo = 12;

/** `tic_medium` → `medium`: the side bar is narrow (the chain's full label is in its tooltip). */
function shortScale(scale: string | null): string {
  return scale === null ? '?' : scale.replace(/^tic_/, '');
}

/** `cumulative`, or `cumulative, monthly` for a monthly chain. */
function strategyLabel(chain: Chain): string {
  return chain.timescale === 'monthly' ? `${chain.strategy}, monthly` : chain.strategy;
}

function strategyIcon(strategy: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(strategy === 'oracle' ? 'target' : strategy === 'sequential' ? 'arrow-right' : 'layers');
}

/** `attempt 2 of 2; the others: attempt 1 stopped at epoch 2`, for a step tried more than once. */
function attemptsLine(step: ChainStep): string | null {
  const shown = step.attempts.find((a) => a.shown);
  if (shown === undefined) return null;
  const others = step.attempts.filter((a) => !a.shown).reverse();
  return `Attempt ${shown.number} of ${step.attempts.length}; ${others.map((a) => `attempt ${a.number} ${attemptState(a)}`).join(', ')}.`;
}

/** `stopped at E2/5`, `failed at E1/5`, `running at E1/5`, `finished`: an attempt's state in the Runs view's words. */
function attemptShortState(a: StepAttempt): string {
  const at = a.lastEpoch === null ? '' : ` at E${a.lastEpoch}${a.epochsPlanned === null ? '' : `/${a.epochsPlanned}`}`;
  switch (a.status) {
    case 'finished':
      return 'finished';
    case 'failed':
      return `failed${at}`;
    case 'notStarted':
      return 'not started';
    case 'incomplete':
      return `${a.live ? 'running' : 'stopped'}${at}`;
  }
}

/** ` · attempt 1` when the step's evaluation is of another attempt than the one it shows (contracts §1.8). */
function evalAttempt(step: ChainStep): string {
  const of = step.eval === null ? undefined : step.attempts.find((a) => a.experiment === step.eval!.experiment);
  return of === undefined || of.shown ? '' : ` · attempt ${of.number}`;
}

/** `Resumed from cumulative 2017`, `Forked from cumulative 2016 (baseline)`, `From scratch`; null when unknown. */
function lineageLine(chain: Chain, step: ChainStep, workspace: Workspace | undefined): string | null {
  if (workspace === undefined || step.experiment === null) return null;
  const experiment = workspace.experiments.find((e) => e.dir === step.experiment);
  const lineage = stepLineage(chain, step, experiment, workspace);
  return lineage.kind === 'unknown' ? null : lineage.text.charAt(0).toUpperCase() + lineage.text.slice(1);
}
