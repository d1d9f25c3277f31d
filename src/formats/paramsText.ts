/**
 * OpenCLIP's `params.txt` (`f"{name}: {val}\n"` for each argument, sorted; contracts §1.5), the `Params:` block of
 * out.log, and the TIC `params/*.yaml` files, which have the same format. They are not YAML: values are Python
 * `str()` renderings (`None`, `True`, `{}`, a literal TAB for `csv_separator`, an empty string), so each line is
 * split on its first `": "` and the value is kept verbatim (§1.5, §7.11).
 */
export interface ParamsFile {
  /** name → value exactly as written (a TAB stays a TAB, an empty value stays ''). Null-prototype object. */
  readonly values: Readonly<Record<string, string>>;
  /** Lines that are not `name: value`. */
  readonly problems: readonly ParamsProblem[];
}

export interface ParamsProblem {
  readonly reason: 'notKeyValue' | 'duplicateKey';
  /** 1-based line. */
  readonly line: number;
  readonly text: string;
}

/** Parses the whole text; never throws. A later duplicate key wins and is reported. */
export function parseParamsText(text: string): ParamsFile {
  const builder = new ParamsBuilder();
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length > 0 || end < text.length) builder.add(line, lineNo);
    start = end + 1;
  }
  return builder.build();
}

/** Collects `name: value` lines one at a time (the log parser feeds it the `Params:` block records). */
export class ParamsBuilder {
  private readonly values: Record<string, string> = Object.create(null) as Record<string, string>;
  private readonly problems: ParamsProblem[] = [];

  /** `line` without its newline; blank lines are ignored. */
  add(line: string, lineNo: number): void {
    if (line.trim() === '') return;
    const colon = line.indexOf(': ');
    let key: string;
    let value: string;
    if (colon === -1) {
      // `name:` with the trailing space of an empty value stripped by an editor.
      if (!line.endsWith(':') || line.trim().length < 2) {
        this.problems.push({ reason: 'notKeyValue', line: lineNo, text: line.slice(0, 200) });
        return;
      }
      key = line.slice(0, -1).trim();
      value = '';
    } else {
      key = line.slice(0, colon).trim();
      value = line.slice(colon + 2);
    }
    if (key === '' || /\s/.test(key)) {
      this.problems.push({ reason: 'notKeyValue', line: lineNo, text: line.slice(0, 200) });
      return;
    }
    if (key in this.values) this.problems.push({ reason: 'duplicateKey', line: lineNo, text: key });
    this.values[key] = value;
  }

  get size(): number {
    return Object.keys(this.values).length;
  }

  build(): ParamsFile {
    return { values: this.values, problems: this.problems };
  }
}

/*
 * Typed accessors. Each returns `undefined` when the key is missing or its value does not have the type, and
 * `null` when the value is Python's `None`, so `paramInt(p, 'epochs') ?? 5` reads naturally and
 * `paramInt(p, 'resume') === null` asks "was it None".
 */

export function paramString(params: ParamsFile, key: string): string | null | undefined {
  const raw = params.values[key];
  if (raw === undefined) return undefined;
  return raw === 'None' ? null : raw;
}

export function paramInt(params: ParamsFile, key: string): number | null | undefined {
  const raw = params.values[key];
  if (raw === undefined) return undefined;
  if (raw === 'None') return null;
  if (!/^[-+]?\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Python float renderings: `0.0005`, `1e-06`, `inf`, `-inf`, `nan`; integers are accepted too. */
export function paramFloat(params: ParamsFile, key: string): number | null | undefined {
  const raw = params.values[key];
  if (raw === undefined) return undefined;
  if (raw === 'None') return null;
  return parsePythonFloat(raw);
}

export function paramBool(params: ParamsFile, key: string): boolean | null | undefined {
  const raw = params.values[key];
  if (raw === undefined) return undefined;
  if (raw === 'None') return null;
  if (raw === 'True') return true;
  if (raw === 'False') return false;
  return undefined;
}

/** True only when the key is present and its value is `None`. */
export function paramIsNone(params: ParamsFile, key: string): boolean {
  return params.values[key] === 'None';
}

const pythonFloat = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)$/;

/** A number printed by Python (`repr(float)`, `%g`, `%f`), including `nan`, `inf`, `-inf`; undefined otherwise. */
export function parsePythonFloat(raw: string): number | undefined {
  if (pythonFloat.test(raw)) return Number(raw);
  switch (raw.toLowerCase()) {
    case 'nan':
    case '-nan':
    case '+nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}
