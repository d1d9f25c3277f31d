import type { HostToProbe } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { labelImageViews, picksSummary, type LabelImageView } from './labelResults';
import { formatPercent } from './probeFormat';

type ResultMessage = Extract<HostToProbe, { type: 'result' }>;

/** At most this many image cards are built (each is a table); the CSV holds every image. */
export const maxCards = 100;

export interface ResultLookups {
  modelLabel: (id: string) => string;
  imageName: (id: string) => string;
  /** The thumbnail data URL, if the host still lists the image. */
  thumbnail: (id: string) => string | null;
}

/** Labels mode: one card per image with who-picks-what and a labels × models table of probabilities with bars. */
export function labelResultCards(result: ResultMessage, lookups: ResultLookups): HTMLElement[] {
  const views = labelImageViews(result.images, result.texts, result.labels ?? []);
  const cards = views.slice(0, maxCards).map((view, i) => imageCard(view, i, result, lookups));
  if (views.length > maxCards)
    cards.push(
      el('p', {
        className: 'muted',
        text: `Showing the first ${maxCards} of ${views.length} images; Copy as CSV has all of them.`,
      }),
    );
  return cards;
}

function imageCard(view: LabelImageView, index: number, result: ResultMessage, lookups: ResultLookups): HTMLElement {
  const name = lookups.imageName(view.imageId);
  const thumb = lookups.thumbnail(view.imageId);
  const headingId = `probe-result-${index}`;
  const head = el('div', { className: 'probe-card-head' }, [
    thumb
      ? el('img', { className: 'probe-thumb', attrs: { src: thumb, alt: '' } })
      : el('div', { className: 'probe-thumb probe-thumb-missing', text: '?', attrs: { 'aria-hidden': 'true' } }),
    el('div', { className: 'probe-card-title' }, [
      el('h3', { text: name, attrs: { id: headingId } }),
      el('p', { className: 'probe-picks', text: picksSummary(view.picks, result.texts, lookups.modelLabel) }),
    ]),
  ]);
  const models = (result.labels ?? []).map((l) => l.model);
  const table = el('table', { className: 'probe-table probe-label-table' }, [
    el('caption', { className: 'visually-hidden', text: `Probability of each label for ${name}, per model` }),
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'Label', attrs: { scope: 'col' } }),
        ...models.map((m) => el('th', { text: lookups.modelLabel(m), attrs: { scope: 'col', 'data-model': m } })),
      ]),
    ]),
    el(
      'tbody',
      {},
      view.rows.map((row) =>
        el('tr', { attrs: { 'data-text-index': String(row.textIndex) } }, [
          el('th', { text: row.text, attrs: { scope: 'row' } }),
          ...row.cells.map((cell) => probabilityCell(cell.model, row.textIndex, cell.probability, cell.top)),
        ]),
      ),
    ),
  ]);
  const parts: HTMLElement[] = [head, el('div', { className: 'probe-table-scroll' }, [table])];
  if (view.hiddenRows > 0)
    parts.push(
      el('p', {
        className: 'muted',
        text: `Showing each model’s top labels; ${view.hiddenRows} more labels are in Copy as CSV.`,
      }),
    );
  return el(
    'article',
    { className: 'card probe-result-card', attrs: { 'data-image-id': view.imageId, 'aria-labelledby': headingId } },
    parts,
  );
}

function probabilityCell(model: string, textIndex: number, p: number, top: boolean): HTMLElement {
  const fill = el('div', { className: 'probe-bar-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
  const value = el('span', { className: 'probe-value', text: formatPercent(p) });
  const children: Node[] = [value];
  if (top) {
    children.push(el('span', { className: 'probe-top-mark', text: '◆', attrs: { 'aria-hidden': 'true' } }));
    children.push(el('span', { className: 'visually-hidden', text: ' top' }));
  }
  children.push(el('div', { className: 'probe-bar', attrs: { 'aria-hidden': 'true' } }, [fill]));
  return el(
    'td',
    {
      className: top ? 'probe-cell top' : 'probe-cell',
      attrs: { 'data-model': model, 'data-text-index': String(textIndex), 'data-probability': String(p) },
    },
    children,
  );
}
