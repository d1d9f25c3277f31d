import { el } from '../shared/dom';

/** A checkpoint that cannot be read: the reason in the heading and the host's message, as an alert. */
export function renderError(app: HTMLElement, reason: string, message: string): void {
  app.replaceChildren(
    el('section', { className: 'card warnings danger', attrs: { role: 'alert' } }, [
      el('h2', { text: `Cannot read this checkpoint (${reason})` }),
      el('p', { text: message }),
    ]),
  );
  app.dataset.state = 'error';
}
