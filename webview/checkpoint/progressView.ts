import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { HostToInspector } from '../../src/protocol/checkpointMessages';
import { el } from '../shared/dom';

/** While a checkpoint is read or two are compared: what is happening, a progress bar, and Cancel for a diff. */
export function renderProgress(
  app: HTMLElement,
  message: Extract<HostToInspector, { type: 'diffProgress' | 'loading' }>,
  onCancel: () => void,
): void {
  const text =
    message.type === 'loading' ? `Reading ${message.path}…` : `Comparing tensors: ${message.done} of ${message.total}`;
  const bar = el('vscode-progress-bar', { attrs: { 'aria-label': text } });
  const cancel = el('vscode-button', { text: 'Cancel', attrs: { secondary: '' } });
  cancel.addEventListener('click', () => onCancel());
  app.replaceChildren(el('p', { text }), bar, ...(message.type === 'diffProgress' ? [cancel] : []));
  app.dataset.state = 'loading';
}
