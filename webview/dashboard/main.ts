import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  parseHostMessage,
  ProtocolError,
  type DashboardToHost,
  type HostToDashboard,
} from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { getVsCodeApi } from '../shared/vscodeApi';

/** Dashboard webview. Every string from the host goes through textContent (architecture.md rule 8). */
const vscode = getVsCodeApi<{ lastInit?: HostToDashboard }>();

function send(message: DashboardToHost): void {
  vscode.postMessage(message);
}

function render(init: HostToDashboard): void {
  const app = document.getElementById('app');
  if (!app) return;
  const badge = el('vscode-badge', { text: init.trusted ? 'trusted workspace' : 'restricted mode' });
  const header = el('header', { className: 'dashboard-header' }, [
    el('h1', { text: 'TiC Studio Dashboard' }),
    el('span', { className: 'muted', text: `v${init.version}` }),
    badge,
  ]);
  const body = el('section', { className: 'dashboard-body' }, [
    el('p', {
      text: `Workspace: ${init.workspaceName ?? '(no folder open)'}`,
    }),
    el('p', {
      className: 'muted',
      text: 'The year timeline, loss curves and retrieval matrices of this workspace appear here.',
    }),
  ]);
  app.replaceChildren(header, body);
  app.dataset.state = 'ready';
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (message instanceof ProtocolError) {
    send({ type: 'log', level: 'warn', text: `dropped a host message: ${message.detail}` });
    return;
  }
  vscode.setState({ lastInit: message });
  render(message);
});

const saved = vscode.getState()?.lastInit;
if (saved) render(saved);
send({ type: 'ready' });
