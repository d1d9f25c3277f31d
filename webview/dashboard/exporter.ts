import type { DashboardToHost, ExportFormat, HostToDashboard } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import type { Scene } from '../shared/chartScene';
import { sceneToCanvas } from '../shared/sceneToCanvas';
import { checkboxControl } from './controls';

type Exported = Extract<HostToDashboard, { type: 'exported' }>;

/**
 * Sends exports to the host (which asks where to save) and shows its answer in one status line. Each export has
 * its own requestId; an answer to an unknown one is ignored.
 */
export class Exporter {
  readonly status: HTMLElement;
  /** PNG exports leave the background out (for slides and papers on any background); else the theme's. */
  transparentPng = false;
  private nextId = 1;
  private readonly pending = new Map<number, string>();
  private readonly pngBoxes: (HTMLElement & { checked: boolean })[] = [];

  constructor(private readonly send: (message: DashboardToHost) => void) {
    this.status = el('p', { className: 'export-status muted', attrs: { role: 'status', id: 'export-status' } });
  }

  /**
   * A PNG of a chart scene at twice its size (sharp on high-density screens and in print), with or without the
   * theme's background as the "Transparent PNG" boxes say.
   */
  exportPng(name: string, scene: Scene): void {
    const canvas = document.createElement('canvas');
    sceneToCanvas(scene, canvas, Math.max(2, window.devicePixelRatio || 1), { transparent: this.transparentPng });
    this.export('png', name, canvas.toDataURL('image/png'));
  }

  /** A "Transparent PNG" box for a section's toolbar; every box shows the one shared choice. */
  transparentBox(id: string): HTMLElement {
    const box = checkboxControl(id, 'Transparent PNG', this.transparentPng, (checked) => {
      this.transparentPng = checked;
      for (const other of this.pngBoxes) if (other !== box) other.checked = checked;
    });
    box.title = 'Export PNGs without the background (at 2× size either way)';
    this.pngBoxes.push(box);
    return box;
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
