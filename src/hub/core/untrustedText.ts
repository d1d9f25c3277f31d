/**
 * A name the Hub or the cache gave us, made fit to quote in a message: control characters (C0, DEL, C1) and bidi
 * overrides are written as visible escapes and the text is cut to `max` characters. A Hub answer can name a file
 * `ESC ] 0 ; … BEL` or `a\rREADME.md`; a warning that names it must show it, not let a terminal act on it.
 */
export function untrustedText(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is this regex's whole purpose
const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
