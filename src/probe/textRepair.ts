import { html5Entities, htmlUnescape, WINDOWS_1252_C1 } from './htmlEntities';

/**
 * The text repairs of ftfy 6's `fix_text` with its default configuration, which open_clip's tokenizer runs first
 * on every text (`basic_clean`). Each step below is a port of the ftfy function of the same name (ftfy/fixes.py,
 * tables from ftfy/chardata.py); `fixText` applies them in ftfy's order, line by line, until nothing changes.
 *
 * Not ported: `fix_encoding`, ftfy's mojibake detector and re-decoder ("cafÃ©" → "café", restore_byte_a0,
 * replace_lossy_sequences, decode_inconsistent_utf8). It only acts on text its "badness" heuristic flags as
 * mis-decoded UTF-8, so clean text (any script, emoji, accents) is unaffected, but mojibake is tokenized as it is
 * instead of being repaired first.
 */

/** `fix_text` splits its input after each line break and at least every million code points. */
const MAX_DECODE_LENGTH = 1_000_000;

/** ftfy's HTML_ENTITY_RE: only references that end with a semicolon, at most 24 name characters. */
const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

let ftfyEntities: Map<string, string> | undefined;

/**
 * ftfy's HTML_ENTITIES: every HTML5 name that ends with a semicolon, plus the all-caps spelling of each lower-case
 * name when that spelling is not itself a reference (`&EACUTE;` → "É", `&SZLIG;` → "SS").
 */
function ftfyEntityTable(): ReadonlyMap<string, string> {
  if (ftfyEntities === undefined) {
    const map = new Map<string, string>();
    for (const [name, value] of html5Entities()) {
      if (!name.endsWith(';')) continue;
      map.set(`&${name}`, value);
      if (name === name.toLowerCase()) {
        const upper = `&${name.toUpperCase()}`;
        if (htmlUnescape(upper) === upper) map.set(upper, value.toUpperCase());
      }
    }
    ftfyEntities = map;
  }
  return ftfyEntities;
}

/**
 * ftfy's `unescape_html`: decodes the references it is sure of (named ones with their semicolon, numeric ones that
 * Python decodes as a whole), unlike `html.unescape`, which also decodes `&amp` or `&not` without one.
 */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  const table = ftfyEntityTable();
  return text.replace(FTFY_ENTITY, (ref) => {
    const named = table.get(ref);
    if (named !== undefined) return named;
    if (ref.startsWith('&#')) {
      const decoded = htmlUnescape(ref);
      // Python decoded only a prefix (the semicolon is left over): that is not a whole reference.
      return decoded.includes(';') ? ref : decoded;
    }
    return ref;
  });
}

/** `fix_c1_controls`: C1 control characters become what their byte means in Windows-1252, as browsers do. */
export function fixC1Controls(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

/** ftfy's LIGATURES: Latin typographic ligatures and legacy digraphs, not ones used on purpose like æ. */
const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u0149': '\u02bcn',
  '\u01f1': 'DZ',
  '\u01f2': 'Dz',
  '\u01f3': 'dz',
  '\u01c4': 'D\u017d',
  '\u01c5': 'D\u017e',
  '\u01c6': 'd\u017e',
  '\u01c7': 'LJ',
  '\u01c8': 'Lj',
  '\u01c9': 'lj',
  '\u01ca': 'NJ',
  '\u01cb': 'Nj',
  '\u01cc': 'nj',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': '\u017ft',
  '\ufb06': 'st',
};

const LIGATURE_RE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;

/** `fix_latin_ligatures`: ﬁ → fi, ĳ → ij, ǆ → dž… */
export function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE_RE, (c) => LIGATURES[c]!);
}

let widthMap: Map<string, string> | undefined;

/** ftfy's WIDTH_MAP: U+3000 IDEOGRAPHIC SPACE → space, and each of U+FF01…U+FFEF whose NFKC form differs. */
function widthTable(): ReadonlyMap<string, string> {
  if (widthMap === undefined) {
    const map = new Map<string, string>([['\u3000', ' ']]);
    for (let cp = 0xff01; cp < 0xfff0; cp++) {
      const c = String.fromCharCode(cp);
      const alternate = c.normalize('NFKC');
      if (alternate !== c) map.set(c, alternate);
    }
    widthMap = map;
  }
  return widthMap;
}

/** `fix_character_width`: full-width forms to ASCII (ＦＵＬＬ → FULL), half-width katakana and hangul to normal. */
export function fixCharacterWidth(text: string): string {
  if (!/[\u3000\uff01-\uffef]/.test(text)) return text;
  const table = widthTable();
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => table.get(c) ?? c);
}

/** `uncurl_quotes`: “ ” „ ‟ → ", and ‘ ’ ‚ ‛ and the modifier apostrophe ʼ → '. */
export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

/** `fix_line_breaks`: CRLF, CR, LINE SEPARATOR, PARAGRAPH SEPARATOR and NEXT LINE all become \n. */
export function fixLineBreaks(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029\x85]/g, '\n');
}

/**
 * `fix_surrogates`: lone surrogates become U+FFFD. (ftfy also joins surrogate pairs into one code point; a JS string
 * holds astral characters as exactly such pairs, so there is nothing to join.)
 */
export function fixSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** `remove_terminal_escapes`: ANSI escape sequences (ftfy's pattern uses Python's Unicode-aware `\d`). */
export function removeTerminalEscapes(text: string): string {
  if (!text.includes('\x1b')) return text;
  // eslint-disable-next-line no-control-regex -- an escape sequence starts with ESC.
  return text.replace(/\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu, '');
}

/**
 * `remove_control_chars`: C0 controls other than \t \n \f \r, DEL, the deprecated format characters U+206A–U+206F,
 * the byte-order mark U+FEFF and the interlinear annotation characters U+FFF9–U+FFFC.
 */
export function removeControlChars(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point.
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}

/** One segment, as ftfy's `fix_and_explain`: all fixes in order, then NFC, repeated until nothing changes. */
function fixSegment(segment: string, unescape: boolean): string {
  let text = segment;
  for (;;) {
    const before = text;
    if (unescape) text = unescapeHtml(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === before) return text;
  }
}

/** The code-unit index `count` code points after `from` (or the end). */
function advanceCodePoints(text: string, from: number, count: number): number {
  let i = from;
  for (let n = 0; n < count && i < text.length; n++) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
  }
  return i;
}

/**
 * ftfy's `fix_text` (default configuration, without `fix_encoding`; see the file comment). Like ftfy, it fixes each
 * line on its own and stops decoding HTML references from the first line that contains a literal "<" on (text that
 * has tags is taken to be real HTML, whose references a parser should decode, not ftfy).
 */
export function fixText(text: string): string {
  const out: string[] = [];
  let unescape = true;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos) + 1;
    if (end === 0) end = text.length;
    // Fewer code units than the limit are certainly fewer code points; only then count code points.
    if (end - pos > MAX_DECODE_LENGTH) end = Math.min(end, advanceCodePoints(text, pos, MAX_DECODE_LENGTH));
    const segment = text.slice(pos, end);
    if (unescape && segment.includes('<')) unescape = false;
    out.push(fixSegment(segment, unescape));
    pos = end;
  }
  return out.join('');
}
