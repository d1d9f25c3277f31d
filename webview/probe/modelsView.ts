import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { ProbeModelWire } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { probeButton, probeSection } from './probeSection';

type Checkbox = HTMLElement & { checked: boolean };

export const noModelsText =
  'No exported checkpoint yet. The probe runs a checkpoint’s two towers exported to ONNX: click Export a checkpoint… and pick a .pt file. Exporting needs the Python of your training environment, with torch and open_clip; probing then runs here, without Python.';

/**
 * The Models card: one checkbox per exported checkpoint (tooltip: arch and source), several may be ticked. Rows
 * are reused by model id, so a new state from the host does not take the keyboard focus away.
 */
export class ModelsView {
  readonly element: HTMLElement;
  private readonly list = el('div', {
    className: 'probe-model-list',
    attrs: { role: 'group', 'aria-label': 'Models to compare' },
  });
  private readonly empty = el('p', { className: 'empty-state', text: noModelsText });
  private readonly rows = new Map<string, { row: HTMLElement; box: Checkbox; arch: HTMLElement }>();

  constructor(
    private readonly selected: () => readonly string[],
    onToggle: (id: string, checked: boolean) => void,
    onExport: () => void,
  ) {
    const exportButton = probeButton(
      'Export a checkpoint…',
      { id: 'probe-export', 'data-action': 'exportCheckpoint' },
      onExport,
      true,
    );
    this.element = probeSection('probe-models', 'Models', [exportButton], this.list, this.empty);
    this.list.addEventListener('change', (event) => {
      const box = (event.target as HTMLElement).closest<Checkbox>('vscode-checkbox[data-model-id]');
      if (box) onToggle(box.dataset.modelId!, box.checked);
    });
  }

  update(models: readonly ProbeModelWire[]): void {
    this.empty.hidden = models.length > 0;
    this.list.hidden = models.length === 0;
    const chosen = new Set(this.selected());
    const next: HTMLElement[] = [];
    const seen = new Set<string>();
    for (const model of models) {
      if (seen.has(model.id)) continue;
      seen.add(model.id);
      let entry = this.rows.get(model.id);
      if (!entry) {
        const box = el('vscode-checkbox', { attrs: { 'data-model-id': model.id } }) as Checkbox;
        const arch = el('span', { className: 'muted probe-model-arch' });
        entry = {
          row: el('div', { className: 'probe-model', attrs: { 'data-model-row': model.id } }, [box, arch]),
          box,
          arch,
        };
        this.rows.set(model.id, entry);
      }
      entry.box.textContent = model.label;
      entry.box.setAttribute('aria-label', `${model.label} (${model.arch})`);
      entry.row.title = `${model.label}\n${model.arch}\nfrom ${model.source}`;
      entry.arch.textContent = model.arch;
      entry.box.checked = chosen.has(model.id);
      entry.box.toggleAttribute('checked', entry.box.checked);
      next.push(entry.row);
    }
    for (const id of [...this.rows.keys()]) if (!seen.has(id)) this.rows.delete(id);
    const current = [...this.list.children];
    if (current.length !== next.length || current.some((node, i) => node !== next[i]))
      this.list.replaceChildren(...next);
  }
}
