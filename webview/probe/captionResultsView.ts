import type { HostToProbe } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { formatPercent } from './probeFormat';

type ResultMessage = Extract<HostToProbe, { type: 'result' }>;

const metrics = [
  { key: 'i2t-r1', label: 'Image → text R@1', value: (c: Caption) => c.imageToText.r1 },
  { key: 'i2t-r5', label: 'Image → text R@5', value: (c: Caption) => c.imageToText.r5 },
  { key: 't2i-r1', label: 'Text → image R@1', value: (c: Caption) => c.textToImage.r1 },
  { key: 't2i-r5', label: 'Text → image R@5', value: (c: Caption) => c.textToImage.r5 },
] as const;
type Caption = NonNullable<ResultMessage['captions']>[number];

/** Captions mode: one row per model, recall@1 and @5 in both directions, with what chance would score. */
export function captionResultTable(result: ResultMessage, modelLabel: (id: string) => string): HTMLElement[] {
  const pairs = result.images.length;
  const table = el('table', { className: 'probe-table probe-caption-table', attrs: { id: 'probe-caption-table' } }, [
    el('caption', { className: 'visually-hidden', text: 'Image–caption retrieval recall per model' }),
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'Model', attrs: { scope: 'col' } }),
        ...metrics.map((m) => el('th', { text: m.label, attrs: { scope: 'col' } })),
      ]),
    ]),
    el(
      'tbody',
      {},
      (result.captions ?? []).map((c) =>
        el('tr', { attrs: { 'data-model': c.model } }, [
          el('th', { text: modelLabel(c.model), attrs: { scope: 'row' } }),
          ...metrics.map((m) =>
            el('td', {
              className: 'probe-cell',
              text: formatPercent(m.value(c)),
              attrs: { 'data-model': c.model, 'data-metric': m.key, 'data-recall': String(m.value(c)) },
            }),
          ),
        ]),
      ),
    ),
  ]);
  const chance =
    pairs > 0
      ? `${pairs} image–caption ${pairs === 1 ? 'pair' : 'pairs'}: chance would score R@1 ${formatPercent(1 / pairs)}, R@5 ${formatPercent(Math.min(1, 5 / pairs))}.`
      : '';
  return [el('div', { className: 'probe-table-scroll' }, [table]), el('p', { className: 'muted', text: chance })];
}
