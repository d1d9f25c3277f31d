import type { DashboardToHost, ExportFormat, HostToDashboard } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';

type Exported = Extract<HostToDashboard, { type: 'exported' }>;

/**
 * Sends exports to the host (which asks where to save) and shows its answer in one status line. Each export has
 * its own requestId; an answer to an unknown one is ignored.
 */
export class Exporter {
  readonly status: HTMLElement;
  private nextId = 1;
  private readonly pending = new Map<number, string>();

  constructor(private readonly send: (message: DashboardToHost) => void) {
    this.status = el('p', { className: 'export-status muted', attrs: { role: 'status', id: 'export-status' } });
  }

  export(format: ExportFormat, name: string, data: string): void {
    const requestId = this.nextId++;
    this.pending.set(requestId, name);
    this.status.dataset.state = 'pending';
    this.status.textContent = `Exporting ${name}…`;
    this.send({ type: 'export', requestId, format, name, data });
  }

  answer(message: Exported): void {
    const name = this.pending.get(message.requestId);
    if (name === undefined) return;
    this.pending.delete(message.requestId);
    if (message.error !== null) {
      this.status.dataset.state = 'error';
      this.status.textContent = `Could not export ${name}: ${message.error}`;
    } else if (message.path !== null) {
      this.status.dataset.state = 'saved';
      this.status.textContent = `Saved ${message.path}`;
    } else {
      this.status.dataset.state = 'cancelled';
      this.status.textContent = `Export of ${name} cancelled.`;
    }
  }
}

/** A small secondary button that exports; `data-export` names what it exports, for tests. */
export function exportButton(label: string, what: string, onClick: () => void): HTMLElement {
  const button = el('vscode-button', {
    text: label,
    className: 'export-button',
    attrs: { secondary: '', 'data-export': what },
  });
  button.addEventListener('click', onClick);
  return button;
}
