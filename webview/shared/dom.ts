/**
 * The one way webview code builds DOM: text is always assigned through textContent, never parsed as HTML, so a
 * run named `<img src=x onerror=…>` renders as those characters.
 */
export function el<K extends string>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  children: Node[] = [],
): HTMLElement {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) {
    if (tag.startsWith('vscode-')) node.setAttribute('aria-label', props.text);
    node.textContent = props.text;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
