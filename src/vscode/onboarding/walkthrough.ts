import * as vscode from 'vscode';
import { commandIds, customEditorTypes } from '../common/ids';
import type { HubService } from '../hub/hubService';
import type { RunKind } from '../../runs/model/runPlan';
import { chooseCheckout, type CheckoutHost } from './checkoutPicker';

// The "Get Started with TiC Studio" walkthrough (package.json contributes.walkthroughs, media/walkthrough/): its
// commands, and the context keys its steps complete on. A step is done when what it asks for is true of this machine
// and workspace (a checkout found, a checkpoint cached, a run started), not merely when its button was pressed.

/** The walkthrough's id as `workbench.action.openWalkthrough` takes it: `publisher.name#id`. */
export const walkthroughId = 'tic-studio.tic-studio#gettingStarted';

/** Context keys that package.json's walkthrough steps name in their `onContext:` completion events. */
export const walkthroughContextKeys = {
  checkoutFound: 'ticStudio.checkoutFound',
  checkpointCached: 'ticStudio.checkpointCached',
  inspectorOpened: 'ticStudio.inspectorOpened',
  trainRunStarted: 'ticStudio.trainRunStarted',
  evalRunStarted: 'ticStudio.evalRunStarted',
} as const;

/** What the walkthrough watches of the RunsService (structural: src/vscode/runs imports this folder). */
export interface RunsHost extends CheckoutHost {
  readonly runs: readonly { readonly kind: RunKind }[];
  readonly onDidChange: vscode.Event<void>;
}

export function registerOnboarding(runs: RunsHost, hub: HubService): vscode.Disposable[] {
  const shown = new Map<string, boolean>();
  const set = (key: string, value: boolean): void => {
    if (shown.get(key) === value) return;
    shown.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const fromRuns = (): void => {
    set(walkthroughContextKeys.checkoutFound, runs.workspace?.checkout != null);
    set(
      walkthroughContextKeys.trainRunStarted,
      runs.runs.some((r) => r.kind === 'train'),
    );
    set(
      walkthroughContextKeys.evalRunStarted,
      runs.runs.some((r) => r.kind === 'eval'),
    );
  };
  const fromHub = (): void => {
    const catalog = hub.catalog;
    set(
      walkthroughContextKeys.checkpointCached,
      catalog.kind === 'ready' && catalog.repos.some((r) => r.files.some((f) => f.kind === 'checkpoint' && f.cached)),
    );
  };
  const isInspector = (tab: vscode.Tab): boolean =>
    tab.input instanceof vscode.TabInputCustom && tab.input.viewType === customEditorTypes.checkpointInspector;
  const fromTabs = (tabs: readonly vscode.Tab[]): void => {
    if (tabs.some(isInspector)) set(walkthroughContextKeys.inspectorOpened, true);
  };
  fromRuns();
  fromHub();
  fromTabs(vscode.window.tabGroups.all.flatMap((g) => g.tabs));
  return [
    runs.onDidChange(fromRuns),
    hub.onDidChange(fromHub),
    vscode.window.tabGroups.onDidChangeTabs((e) => fromTabs([...e.opened, ...e.changed])),
    vscode.commands.registerCommand(commandIds.chooseCheckout, () => chooseCheckout(runs).then(() => fromRuns())),
    vscode.commands.registerCommand(commandIds.openWalkthrough, () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId, false),
    ),
  ];
}
