import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every citation in the code must lead somewhere inside the repository: a `contracts §N.M` to a heading of
 * docs/contracts.md whose text starts with that number, and an `ARCHITECTURE.md rule N` to a numbered rule of
 * docs/ARCHITECTURE.md. A clone from GitHub then follows every one, and renumbering a section without its
 * citations fails here.
 *
 * Bare section signs count too: the code writes `(contracts §1.4, §1.7)` and `(§7.5)` for the same document.
 * Only a section sign that follows the name of another specification (the zip APPNOTE, an RFC) is not ours.
 */

const root = join(__dirname, '../../..');
const contractsPath = join(root, 'docs/contracts.md');
const architecturePath = join(root, 'docs/ARCHITECTURE.md');

/** Where citations live: the code, its tests, the tools around it, and the docs themselves. */
const scannedDirs = ['src', 'webview', 'test', 'bench', 'scripts', 'python', 'demo', 'docs'];
const scannedFiles = ['eslint.config.mjs', 'CONTRIBUTING.md'];
const textFile = /\.(ts|mts|cts|js|mjs|cjs|py|sh|md)$/;
const skippedDirs = new Set(['node_modules', 'dist', 'out', '.git']);

interface Citation {
  readonly file: string;
  readonly line: number;
  /** `1.4`, or `rule 7` for an architecture rule. */
  readonly target: string;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !skippedDirs.has(entry.name)) filesUnder(path, out);
    else if (entry.isFile() && textFile.test(entry.name)) out.push(path);
  }
  return out;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A section number, optionally a range whose end may repeat only the last part (`2.1–2.3`, `1.2-1.4`). */
const sectionSign = /§\s?(\d+(?:\.\d+)*)(?:\s?[–-]\s?§?\s?(\d+(?:\.\d+)*))?/g;
/** The name of a specification that is not ours, shortly before a section sign. */
const foreignSpec = /APPNOTE|RFC ?\d+/g;
const contractsName = /contracts/gi;

/** The last index of `pattern` in `text` before `end`, or -1. */
function lastBefore(text: string, pattern: RegExp, end: number): number {
  let last = -1;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null && m.index < end; m = pattern.exec(text)) last = m.index;
  return last;
}

/** The `contracts §…` citations of one file's text (bare section signs included, other specs' left out). */
function contractsCitations(file: string, text: string): Citation[] {
  const out: Citation[] = [];
  for (const match of text.matchAll(sectionSign)) {
    const at = match.index;
    const foreign = lastBefore(text, foreignSpec, at);
    // APPNOTE's sections are cited in a comment that may go on over several lines: within 300 characters of the
    // spec's name, and with no mention of the contracts in between, a section sign is the other spec's.
    if (foreign !== -1 && at - foreign < 300 && lastBefore(text, contractsName, at) < foreign) continue;
    const start = match[1]!;
    const line = lineAt(text, at);
    out.push({ file, line, target: start });
    const end = match[2];
    if (end !== undefined) {
      const head = start.split('.');
      const tail = end.split('.');
      const full = tail.length < head.length ? [...head.slice(0, head.length - tail.length), ...tail] : tail;
      out.push({ file, line, target: full.join('.') });
    }
  }
  return out;
}

/** The `ARCHITECTURE.md rule N` citations of one file's text (also the old spelling, `architecture.md rule N`). */
function ruleCitations(file: string, text: string): Citation[] {
  return [...text.matchAll(/architecture\.md,? rules? (\d+)/gi)].map((m) => ({
    file,
    line: lineAt(text, m.index),
    target: `rule ${m[1]}`,
  }));
}

/** The section numbers that head a section of the contracts: `## §1 …`, `### §1.4 …`. */
function contractsSections(markdown: string): string[] {
  return [...markdown.matchAll(/^#{2,6} §(\d+(?:\.\d+)*) /gm)].map((m) => m[1]!);
}

/** The numbers of the rules under the "Rules" heading of the architecture doc: `### 7. …`. */
function architectureRules(markdown: string): number[] {
  const section = /^## Rules\b[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown);
  if (section === null) return [];
  return [...section[1]!.matchAll(/^### (\d+)\. /gm)].map((m) => Number(m[1]));
}

function unresolved(citations: readonly Citation[], known: ReadonlySet<string>): string[] {
  return citations.filter((c) => !known.has(c.target)).map((c) => `${c.file}:${c.line}: ${c.target}`);
}

function scannedSources(): { file: string; text: string }[] {
  const files = [...scannedDirs.flatMap((d) => filesUnder(join(root, d))), ...scannedFiles.map((f) => join(root, f))];
  return files.flatMap((path) => {
    try {
      return [{ file: relative(root, path), text: readFileSync(path, 'utf8') }];
    } catch {
      return [];
    }
  });
}

describe('citations resolve inside the repository', () => {
  const sources = scannedSources();
  const contracts = readFileSync(contractsPath, 'utf8');
  const architecture = readFileSync(architecturePath, 'utf8');
  const sign = '\u00a7';

  it('finds the citations it checks (the collectors are not blind)', () => {
    const citations = sources.flatMap((s) => contractsCitations(s.file, s.text));
    assert.ok(citations.length > 300, `only ${citations.length} contracts citations found`);
    assert.ok(sources.flatMap((s) => ruleCitations(s.file, s.text)).length >= 20);
  });

  it('resolves every contracts citation to a heading of docs/contracts.md', () => {
    const known = new Set(contractsSections(contracts));
    const citations = sources.flatMap((s) => contractsCitations(s.file, s.text));
    assert.deepEqual(unresolved(citations, known), []);
  });

  it('resolves every architecture rule citation to a numbered rule of docs/ARCHITECTURE.md', () => {
    const known = new Set(architectureRules(architecture).map((n) => `rule ${n}`));
    const citations = sources.flatMap((s) => ruleCitations(s.file, s.text));
    assert.deepEqual(unresolved(citations, known), []);
  });

  it('heads each contracts section once, and numbers the rules 1, 2, 3… without gaps', () => {
    const sections = contractsSections(contracts);
    assert.deepEqual(
      sections.filter((s, i) => sections.indexOf(s) !== i),
      [],
    );
    const rules = architectureRules(architecture);
    assert.ok(rules.length >= 12, `${rules.length} rules`);
    assert.deepEqual(
      rules,
      rules.map((_, i) => i + 1),
    );
  });

  it('reports a section or a rule that does not exist, with its file and line', () => {
    const text = `ok (contracts ${sign}1.4)\nstale (contracts ${sign}1.4, ${sign}99.9, ${sign}2.1–2.99)\n`;
    const known = new Set(contractsSections(contracts));
    assert.deepEqual(unresolved(contractsCitations('x.ts', text), known), ['x.ts:2: 99.9', 'x.ts:2: 2.99']);
    const rules = new Set(architectureRules(architecture).map((n) => `rule ${n}`));
    const rule = 'rule';
    assert.deepEqual(unresolved(ruleCitations('y.ts', `// (ARCHITECTURE.md ${rule} 99)`), rules), ['y.ts:1: rule 99']);
  });

  it("leaves other specifications' sections alone, also on the comment's next line", () => {
    const text = `// PKWARE APPNOTE.TXT (${sign}4.3.7 local header, ${sign}4.3.14–16 end\n// records, ${sign}4.5.3 ZIP64).\n`;
    assert.deepEqual(contractsCitations('zip.ts', text), []);
    const after = `// APPNOTE ${sign}4.4.7 here; the format itself is contracts ${sign}2.6.`;
    assert.deepEqual(
      contractsCitations('crc.ts', after).map((c) => c.target),
      ['2.6'],
    );
  });
});
