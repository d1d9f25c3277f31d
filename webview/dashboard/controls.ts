import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { el } from '../shared/dom';

/** A labelled vscode-single-select; `onChange` gets the chosen value. */
export function selectControl(
  id: string,
  label: string,
  options: readonly { value: string; label: string }[],
  value: string,
  onChange: (value: string) => void,
): { element: HTMLElement; select: HTMLElement & { value: string } } {
  const select = el('vscode-single-select', { attrs: { id, 'aria-label': label } }) as HTMLElement & { value: string };
  for (const o of options) {
    const option = el('vscode-option', { attrs: { value: o.value } });
    option.textContent = o.label;
    if (o.value === value) option.setAttribute('selected', '');
    select.append(option);
  }
  select.addEventListener('change', () => onChange(select.value));
  const element = el('div', { className: 'control' }, [el('label', { text: label, attrs: { for: id } }), select]);
  return { element, select };
}

/** A vscode-checkbox with a text label; `onChange` gets the new checked state. */
export function checkboxControl(
  id: string,
  label: string,
  checked: boolean,
  onChange: (checked: boolean) => void,
): HTMLElement & { checked: boolean; disabled: boolean } {
  const box = el('vscode-checkbox', { attrs: { id } }) as HTMLElement & { checked: boolean; disabled: boolean };
  box.textContent = label;
  box.checked = checked;
  if (checked) box.setAttribute('checked', '');
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

/** A section with a heading, an optional toolbar of buttons, and content. */
export function section(title: string, toolbar: Node[], ...children: Node[]): HTMLElement {
  const head = el('div', { className: 'section-head' }, [el('h2', { text: title }), ...toolbar]);
  return el('section', { className: 'card' }, [head, ...children]);
}
