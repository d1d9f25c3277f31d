/**
 * JSON as Python's `json.dumps` writes it. With the default `allow_nan=True` a NaN or infinite float is written as
 * the bare tokens `NaN`, `Infinity`, `-Infinity`, which JSON.parse rejects; a diverged eval (contracts §2.4, §3.3)
 * can produce them. This parser accepts them and gives back `unknown`, to be checked by the caller (parse at the
 * boundary).
 */
export function parsePythonJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) return { ok: false, message: errorMessage(error) };
  }
  // Replace the bare tokens outside strings with unique string markers, parse, then swap the markers back.
  const replaced = replaceNonFiniteTokens(text);
  if (replaced === null) return { ok: false, message: 'not valid JSON' };
  try {
    return { ok: true, value: restore(JSON.parse(replaced)) };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}

const markers: Readonly<Record<string, number>> = {
  '\u0000tic:NaN': NaN,
  '\u0000tic:Infinity': Infinity,
  '\u0000tic:-Infinity': -Infinity,
};

function replaceNonFiniteTokens(text: string): string | null {
  let out = '';
  let i = 0;
  let copiedTo = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, honouring escapes.
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
    if (token === undefined) {
      i++;
      continue;
    }
    out += `${text.slice(copiedTo, i)}"\\u0000tic:${token}"`;
    i += token.length;
    copiedTo = i;
  }
  if (i > text.length) return null;
  return out + text.slice(copiedTo);
}

function restore(value: unknown): unknown {
  if (typeof value === 'string') return value in markers ? markers[value] : value;
  if (Array.isArray(value)) return value.map(restore);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = restore(v);
    return out;
  }
  return value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
