import { el } from '../shared/dom';

/**
 * Copies text with navigator.clipboard; where that is refused (no permission, no focus), shows it in a readonly
 * textarea with everything selected, so Ctrl+C / Cmd+C copies it. Returns the status line to show.
 */
export async function copyText(text: string, fallbackHost: HTMLElement, what: string): Promise<string> {
  try {
    await navigator.clipboard.writeText(text);
    fallbackHost.replaceChildren();
    return `Copied ${what} to the clipboard.`;
  } catch {
    const area = el('textarea', {
      className: 'probe-copy-fallback',
      attrs: { readonly: '', rows: '8', 'aria-label': `${what}: press Ctrl+C or Cmd+C to copy`, spellcheck: 'false' },
    }) as HTMLTextAreaElement;
    area.value = text;
    fallbackHost.replaceChildren(area);
    area.focus();
    area.select();
    return `The clipboard is not available here: ${what} is selected below; press Ctrl+C (Cmd+C on macOS) to copy it.`;
  }
}
