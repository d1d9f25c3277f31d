import { el } from '../shared/dom';

/** A titled card of the inspector or the diff: an h2, then the content. */
export function section(title: string, ...children: Node[]): HTMLElement {
  return el('section', { className: 'card' }, [el('h2', { text: title }), ...children]);
}
