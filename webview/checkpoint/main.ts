import {
  parseHostToInspector,
  type HostToInspector,
  type InspectorToHost,
} from '../../src/protocol/checkpointMessages';
import { ProtocolError } from '../../src/protocol/validate';
import { getVsCodeApi } from '../shared/vscodeApi';
import { renderDiff } from './diffView';
import { renderError } from './errorView';
import { renderProgress } from './progressView';
import { renderReport } from './reportView';

/** The checkpoint inspector and diff webview. All host data is validated, then inserted as text only. */
const vscode = getVsCodeApi<{ last?: HostToInspector }>();
const app = document.getElementById('app')!;

function send(message: InspectorToHost): void {
  vscode.postMessage(message);
}

function handle(message: HostToInspector): void {
  switch (message.type) {
    case 'report':
      renderReport(app, message.report, () => send({ type: 'compareWith' }));
      break;
    case 'diff':
      renderDiff(app, message.diff);
      break;
    case 'loading':
    case 'diffProgress':
      renderProgress(app, message, () => send({ type: 'cancel' }));
      break;
    case 'error':
      renderError(app, message.reason, message.message);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostToInspector(event.data);
  if (message instanceof ProtocolError) {
    console.warn(`TiC Studio: dropped a host message (${message.detail})`);
    return;
  }
  if (message.type === 'report' || message.type === 'diff') vscode.setState({ last: message });
  handle(message);
});

const saved = vscode.getState()?.last;
if (saved) handle(saved);
send({ type: 'ready' });
