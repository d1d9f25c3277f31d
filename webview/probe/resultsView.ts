import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostToProbe } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { captionResultTable } from './captionResultsView';
import { copyText } from './clipboardCopy';
import { labelResultCards, type ResultLookups } from './labelResultsView';
import { formatElapsed } from './probeFormat';
import { probeButton, probeSection } from './probeSection';
import type { ResultContext } from './probeUiState';
import { resultCsv } from './resultCsv';

type ResultMessage = Extract<HostToProbe, { type: 'result' }>;

/**
 * The Results card (`#probe-results[data-request-id]`): how long the probe took, Copy as CSV, then the cards
 * (labels) or the recall table (captions). Hidden until there is a result.
 */
export class ResultsView {
  readonly element: HTMLElement;
  private readonly meta = el('span', { className: 'muted', attrs: { id: 'probe-results-meta' } });
  private readonly copyStatus = el('p', {
    className: 'probe-status muted',
    attrs: { id: 'probe-copy-status', role: 'status' },
  });
  private readonly fallback = el('div', { className: 'probe-copy-fallback-host' });
  private readonly body = el('div', { className: 'probe-results-body' });
  private shown: { result: ResultMessage; context: ResultContext } | null = null;

  constructor(private readonly thumbnail: (id: string) => string | null) {
    const copy = probeButton(
      'Copy as CSV',
      { id: 'probe-copy-csv', 'data-action': 'copyCsv' },
      () => void this.copy(),
      true,
    );
    this.element = probeSection(
      'probe-results',
      'Results',
      [this.meta, copy],
      this.copyStatus,
      this.fallback,
      this.body,
    );
    this.element.hidden = true;
  }

  show(result: ResultMessage, context: ResultContext): void {
    this.shown = { result, context };
    const lookups: ResultLookups = {
      modelLabel: (id) => context.modelLabels[id] ?? id,
      imageName: (id) => context.imageNames[id] ?? id,
      thumbnail: this.thumbnail,
    };
    const count = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;
    const what =
      result.mode === 'labels'
        ? `${count(result.texts.length, 'label')} × ${count(result.images.length, 'image')}`
        : count(result.images.length, 'image–caption pair');
    const models = (result.mode === 'labels' ? result.labels : result.captions)?.length ?? 0;
    this.meta.textContent = `${what}, ${count(models, 'model')} · ${formatElapsed(result.elapsedMs)}`;
    this.copyStatus.textContent = '';
    this.fallback.replaceChildren();
    this.body.replaceChildren(
      ...(result.mode === 'labels'
        ? labelResultCards(result, lookups)
        : captionResultTable(result, lookups.modelLabel)),
    );
    this.element.dataset.requestId = String(result.requestId);
    this.element.dataset.mode = result.mode;
    this.element.hidden = false;
  }

  private async copy(): Promise<void> {
    if (!this.shown) return;
    const csv = resultCsv(this.shown.result, this.shown.context);
    this.copyStatus.textContent = await copyText(csv, this.fallback, 'the results CSV');
  }
}
