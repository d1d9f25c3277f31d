import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import {
  parseHostMessage,
  ProtocolError,
  type DashboardToHost,
  type HostToDashboard,
  type SnapshotWire,
} from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { readThemeColors, watchTheme, type ThemeColors } from '../shared/themeColors';
import { getVsCodeApi } from '../shared/vscodeApi';
import { dashboardTabs, restoreDashboardState, type DashboardState } from './dashboardState';
import { emptyText } from './emptyState';
import { Exporter } from './exporter';
import { LossChartView } from './lossChartView';
import { MatricesView } from './matricesView';
import { StepsView } from './stepsView';
import { laneOrder } from './timelineModel';
import { TimelineView } from './timelineView';

type Init = Extract<HostToDashboard, { type: 'init' }>;

/**
 * The dashboard webview: header, then four tabs (timeline, losses, matrices, steps). Every host message is validated
 * (parseHostMessage) and every string from the host is inserted as text (ARCHITECTURE.md rule 8).
 */
interface Persisted {
  ui?: unknown;
  lastInit?: Init;
}

const vscode = getVsCodeApi<Persisted>();
const persisted = vscode.getState() ?? {};
const state: DashboardState = restoreDashboardState(persisted.ui);
let lastInit: Init | undefined = persisted.lastInit;

function send(message: DashboardToHost): void {
  vscode.postMessage(message);
}

function save(): void {
  vscode.setState({ ui: state, lastInit });
}

let theme: ThemeColors = readThemeColors();
const currentTheme = (): ThemeColors => theme;

const app = document.getElementById('app') ?? document.body.appendChild(el('main', { attrs: { id: 'app' } }));
const exporter = new Exporter(send);
const timeline = new TimelineView(send, exporter, currentTheme);
const losses = new LossChartView(state, save, send, exporter, currentTheme);
const matrices = new MatricesView(state, save, exporter, currentTheme);
const steps = new StepsView(state, save, exporter);

const header = el('header', { className: 'dashboard-header' });
const workspace = el('p', { className: 'workspace', attrs: { id: 'workspace' } });
const notice = el('p', { className: 'empty-state notice', attrs: { id: 'notice', role: 'status' } });
notice.hidden = true;
const lossesEmpty = el('p', { className: 'empty-state' });
lossesEmpty.hidden = true;

const tabTitles: Record<(typeof dashboardTabs)[number], string> = {
  timeline: 'Timeline',
  losses: 'Losses',
  matrices: 'Matrices',
  steps: 'Steps',
};
const tabs = el('vscode-tabs', {
  attrs: { id: 'dashboard-tabs', 'selected-index': String(dashboardTabs.indexOf(state.tab)) },
});
const panelContent: Record<(typeof dashboardTabs)[number], Node[]> = {
  timeline: [timeline.element],
  losses: [lossesEmpty, losses.element],
  matrices: [matrices.element],
  steps: [steps.element],
};
for (const tab of dashboardTabs) {
  tabs.append(
    // vscode-tabs assigns the ids of headers and panels itself (for aria-controls): tests select by data-tab.
    el('vscode-tab-header', { text: tabTitles[tab], attrs: { slot: 'header', 'data-tab': tab } }),
    el('vscode-tab-panel', { attrs: { 'data-tab': tab } }, panelContent[tab]),
  );
}
tabs.addEventListener('vsc-tabs-select', (event) => {
  const index = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  const tab = dashboardTabs[index];
  if (!tab || tab === state.tab) return;
  state.tab = tab;
  save();
  losses.setVisible(tab === 'losses');
});

app.replaceChildren(header, workspace, notice, tabs, exporter.status);
renderHeader(lastInit);
losses.setVisible(state.tab === 'losses');

function renderHeader(init: Init | undefined): void {
  const badge = el('vscode-badge', { text: init?.trusted === false ? 'restricted mode' : 'trusted workspace' });
  badge.hidden = init === undefined;
  header.replaceChildren(
    el('h1', { text: 'TiC Studio Dashboard' }),
    el('span', { className: 'muted', text: init ? `v${init.version}` : '' }),
    badge,
  );
  workspace.textContent = init ? `Workspace: ${init.workspaceName ?? '(no folder open)'}` : '';
}

function renderSnapshot(snapshot: SnapshotWire): void {
  const monthly = snapshot.monthlyChains ?? [];
  // Monthly chains alone are something to show (a monthly chain branched off a published checkpoint).
  const empty = snapshot.chains.length === 0 && monthly.length === 0;
  notice.hidden = !empty && snapshot.notice === null;
  notice.textContent = empty ? emptyText(snapshot) : (snapshot.notice ?? '');
  lossesEmpty.hidden = !empty;
  lossesEmpty.textContent = empty ? 'No chains to plot yet.' : '';
  losses.element.hidden = empty;
  // Every view lists the chains in the timeline's lane order: each variant right after the chain it forked from;
  // the monthly chains (their own list) likewise, after the yearly ones.
  const ordered = { ...snapshot, chains: laneOrder(snapshot.chains), monthlyChains: laneOrder(monthly) };
  timeline.update(ordered);
  matrices.update(ordered);
  steps.update(ordered);
  losses.setChains([...ordered.chains, ...ordered.monthlyChains]);
  app.dataset.snapshot = 'ready';
  app.dataset.chains = String(snapshot.chains.length);
  app.dataset.monthlyChains = String(monthly.length);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (message instanceof ProtocolError) {
    send({ type: 'log', level: 'warn', text: `dropped a host message: ${message.detail}`.slice(0, 4000) });
    return;
  }
  switch (message.type) {
    case 'init':
      lastInit = message;
      save();
      renderHeader(message);
      app.dataset.state = 'ready';
      return;
    case 'snapshot':
      renderSnapshot(message);
      return;
    case 'losses':
      losses.onLosses(message);
      return;
    case 'lossesChanged':
      losses.onLossesChanged(message.chains);
      return;
    case 'lossesLive':
      losses.onLossesLive(message);
      return;
    case 'exported':
      exporter.answer(message);
      return;
  }
});

watchTheme(() => {
  theme = readThemeColors();
  losses.repaint();
  matrices.render();
});

send({ type: 'ready' });
