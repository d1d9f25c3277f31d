/**
 * Text from files or the Hub, made safe to print on a terminal: every character a terminal would act on instead of
 * showing is written as a visible escape. A run label, a log line or a tensor name is data an attacker may have
 * written; printed raw, `ESC ] 0 ; … BEL` retitles the window, `ESC [ 2 J` clears the screen, a carriage return
 * overwrites what the line said, and a right-to-left override makes `exe.txt` read as `txt.exe`.
 *
 * Escaped: C0 controls except newline and tab (as `\x1b`), DEL (`\u007f`), the C1 controls U+0080–U+009F
 * (`\u009b`, which some terminals read as a one-byte CSI) and the bidi embeddings, overrides and isolates
 * U+202A–U+202E, U+2066–U+2069 (`\u202e`). Backslashes are left alone so paths read as they are; text with nothing
 * to escape is returned as the same string.
 *
 * JSON output may go through it too and stays valid JSON of the same value: JSON.stringify already writes every C0
 * control inside a string as `\u00XX` (so none is left raw for the `\x` form), and every other escape here is
 * spelled `\uXXXX`, which is JSON's own escape for that character.
 */
export function terminalSafe(text: string): string {
  unsafe.lastIndex = 0;
  if (!unsafe.test(text)) return text;
  unsafe.lastIndex = 0;
  return text.replace(unsafe, escapeChar);
}

// eslint-disable-next-line no-control-regex -- matching control characters is this regex's whole purpose
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
