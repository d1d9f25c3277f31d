/** Data attributes that identify an element across a re-render (the same node rebuilt from new data). */
const identifying = ['data-export', 'data-chain', 'data-year', 'data-tab', 'data-kind', 'data-step'];

/** A selector that finds the "same" element after a rebuild: its id, else its tag and identifying attributes. */
function selectorFor(element: Element): string | null {
  if (element.id) return `#${CSS.escape(element.id)}`;
  const attrs = identifying
    .filter((a) => element.hasAttribute(a))
    .map((a) => `[${a}="${CSS.escape(element.getAttribute(a) ?? '')}"]`);
  if (attrs.length === 0) return null;
  const classes = [...element.classList].map((c) => `.${CSS.escape(c)}`).slice(0, 1);
  return `${element.localName}${classes.join('')}${attrs.join('')}`;
}

/**
 * Runs `rebuild` (which replaces the children of `container`) and puts the keyboard focus back on the equivalent
 * element, so a live update (a snapshot every few seconds while a run trains) does not throw a keyboard user
 * back to the top of the page.
 */
export function preserveFocus(container: HTMLElement, rebuild: () => void): void {
  const active = document.activeElement;
  const selector = active && active !== container && container.contains(active) ? selectorFor(active) : null;
  rebuild();
  if (!selector) return;
  const again = container.querySelector<HTMLElement>(selector);
  again?.focus();
}
