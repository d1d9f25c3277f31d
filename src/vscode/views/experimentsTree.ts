import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Chain, ChainStep } from '../../workspace/chains';
import type { RunsService } from '../runs/runsService';

export interface ChainNode {
  kind: 'chain';
  chain: Chain;
}

export interface StepNode {
  kind: 'step';
  chain: Chain;
  step: ChainStep;
}

interface FileNode {
  kind: 'file';
  label: string;
  path: string;
  icon: string;
  open: 'inspect' | 'text';
  description?: string;
}

interface MessageNode {
  kind: 'message';
  text: string;
  icon: string;
  tooltip?: string;
}

export type ExperimentsNode = ChainNode | StepNode | FileNode | MessageNode;

export function isStepNode(value: unknown): value is StepNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'step';
}

const stepIcons: Record<string, string> = {
  finished: 'pass',
  failed: 'error',
  incomplete: 'debug-pause',
  notStarted: 'circle-outline',
};

/**
 * The Experiments view: chains (strategy × filtering × scale) → training steps 2016…2022 → the step's
 * checkpoint, log and evaluation. Steps with a checkpoint offer "Resume from YEAR" and "Evaluate".
 */
export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunsService) {
    this.subscription = runs.onDidChange(() => this.changed.fire());
  }

  getChildren(node?: ExperimentsNode): ExperimentsNode[] {
    const ws = this.runs.workspace;
    if (!node) {
      if (this.runs.scanError)
        return [{ kind: 'message', text: `Could not scan the workspace: ${this.runs.scanError}`, icon: 'error' }];
      if (!ws)
        return this.runs.root ? [{ kind: 'message', text: 'Scanning the workspace…', icon: 'loading~spin' }] : [];
      if (!ws.checkout && ws.experiments.length === 0) return [];
      const chains: ExperimentsNode[] = ws.chains.map((chain) => ({ kind: 'chain', chain }));
      for (const u of ws.unchained)
        chains.push({ kind: 'message', text: `${u.name}: not in a chain (${u.reason})`, icon: 'question' });
      // Files that are there but were not read (a named pipe, a device, too large): said, not silently skipped.
      for (const p of ws.problems)
        chains.push({
          kind: 'message',
          text: `Not read: ${p.message.replace(`${ws.root}/`, '')}`,
          icon: 'warning',
          tooltip: p.message,
        });
      return chains;
    }
    if (node.kind === 'chain') {
      return node.chain.steps
        .filter((s) => s.experiment !== null)
        .map((step) => ({ kind: 'step', chain: node.chain, step }));
    }
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
          description: `${s.eval.tasks} tasks`,
        });
      else children.push({ kind: 'message', text: 'not evaluated yet', icon: 'circle-slash' });
      return children;
    }
    return [];
  }

  /** For TreeView.reveal: a step's parent is its chain. */
  getParent(node: ExperimentsNode): ExperimentsNode | undefined {
    return node.kind === 'step' ? { kind: 'chain', chain: node.chain } : undefined;
  }

  /** The node of a chain's step with an experiment (the dashboard reveals it), if the scan has it. */
  stepNode(chainKey: string, year: number): StepNode | undefined {
    const chain = this.runs.workspace?.chains.find((c) => c.key === chainKey);
    const step = chain?.steps.find((s) => s.year === year && s.experiment !== null);
    return chain && step ? { kind: 'step', chain, step } : undefined;
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'chain': {
        const c = node.chain;
        const years = c.steps.filter((s) => s.experiment !== null).map((s) => s.year);
        const item = new vscode.TreeItem(c.strategy, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `chain:${c.key}`;
        item.description = `${c.filtering ?? '?'} · ${c.scale ?? '?'} · ${years.length ? `${years[0]}–${years[years.length - 1]}` : 'no steps'}`;
        item.iconPath = new vscode.ThemeIcon(
          c.strategy === 'oracle' ? 'target' : c.strategy === 'sequential' ? 'arrow-right' : 'layers',
        );
        item.contextValue = 'chain';
        item.accessibilityInformation = { label: `${c.strategy} chain, ${item.description}` };
        return item;
      }
      case 'step': {
        const s = node.step;
        const item = new vscode.TreeItem(String(s.year), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `step:${node.chain.key}:${s.year}`;
        const status = s.status ?? 'notStarted';
        const running = this.runs.runs.find(
          (r) => r.status === 'running' && r.outputDir && s.experiment && r.outputDir === s.experiment,
        );
        item.description = `${running ? 'running' : status}${s.shared ? ' · shared' : ''} · ${s.eval ? 'evaluated' : 'no eval'}`;
        item.tooltip = `${s.expName ?? ''}\n${s.statusReason ?? ''}`.trim();
        item.iconPath = new vscode.ThemeIcon(running ? 'sync~spin' : (stepIcons[status] ?? 'circle-outline'));
        const flags = [
          s.finalCheckpoint ? 'hasCheckpoint' : 'noCheckpoint',
          s.eval ? 'evaluated' : 'notEvaluated',
          node.chain.strategy === 'oracle' ? 'oracle' : 'continual',
        ];
        item.contextValue = `step ${flags.join(' ')}`;
        item.accessibilityInformation = { label: `${s.year}, ${item.description}` };
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = node.description;
        item.resourceUri = vscode.Uri.file(node.path);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.path;
        item.command =
          node.open === 'inspect'
            ? {
                command: 'ticStudio.inspectCheckpoint',
                title: 'Inspect Checkpoint',
                arguments: [vscode.Uri.file(node.path)],
              }
            : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
