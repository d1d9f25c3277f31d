import { el } from '../shared/dom';

/** A titled card: an h2 (labelling the section for screen readers), an optional toolbar, then the content. */
export function probeSection(id: string, title: string, toolbar: Node[], ...children: Node[]): HTMLElement {
  const headingId = `${id}-heading`;
  const head = el('div', { className: 'section-head' }, [
    el('h2', { text: title, attrs: { id: headingId } }),
    ...toolbar,
  ]);
  return el('section', { className: 'card', attrs: { id, 'aria-labelledby': headingId } }, [head, ...children]);
}

/** A button; `data-action` names it for tests. */
export function probeButton(
  label: string,
  attrs: Record<string, string>,
  onClick: () => void,
  secondary = false,
): HTMLElement & { disabled: boolean } {
  const button = el('vscode-button', { text: label, attrs: secondary ? { secondary: '', ...attrs } : attrs });
  button.addEventListener('click', () => {
    if (!(button as HTMLElement & { disabled: boolean }).disabled) onClick();
  });
  return button as HTMLElement & { disabled: boolean };
}

/** Sets a vscode-button's disabled state (property and attribute, so CSS and tests see it too). */
export function setDisabled(button: HTMLElement & { disabled: boolean }, disabled: boolean): void {
  button.disabled = disabled;
  button.toggleAttribute('disabled', disabled);
}
