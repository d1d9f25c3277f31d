import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { layers, layerTableMarkdown } from '../support/architectureLayers';

/**
 * The architecture, kept by a test (docs/ARCHITECTURE.md prints the same table): every relative import of src/ and
 * webview/ goes from a folder to one its layer may use, and no file or folder imports itself back in a cycle.
 */
const root = join(__dirname, '../..');

/**
 * Folders of src/ that may hold more than 15 files, and how many: to be split, never to grow. Empty since issue 14:
 * a new entry needs a reason in docs/ARCHITECTURE.md.
 */
const crowdedToday: Readonly<Record<string, number>> = {};

interface Import {
  from: string;
  to: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(importPattern)) {
    const target = normalize(join(dirname(file), m[1]!));
    const resolved = [`${target}.ts`, target, `${target}/index.ts`].find((p) => existsSync(join(root, p)));
    if (resolved === undefined || !resolved.endsWith('.ts')) continue;
    found.push({ from: file, to: resolved, line: text.slice(0, m.index).split('\n').length });
  }
  return found;
}

/** The layer of a file: the longest matching folder, whole folders only (src/vscode/runs is vscode). */
function layerOf(file: string): string {
  const folder = dirname(file);
  let best: { name: string; length: number } | undefined;
  for (const layer of layers)
    for (const f of layer.folders) {
      const match =
        f === 'src' || f === 'webview'
          ? folder === f || (f === 'webview' && folder.startsWith('webview/'))
          : folder === f || folder.startsWith(`${f}/`);
      if (match && (best === undefined || f.length > best.length)) best = { name: layer.name, length: f.length };
    }
  if (best === undefined) throw new Error(`${file} is in no layer: add its folder to the table`);
  return best.name;
}

/** Strongly connected components with more than one member (or a member that imports itself). */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

describe('architecture (docs/ARCHITECTURE.md)', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('webview')];
  const imports = files.flatMap(importsOf);

  it('reads the imports of every source file (the test itself can see them)', () => {
    assert.ok(files.length > 200, `${files.length} files`);
    assert.ok(imports.length > 500, `${imports.length} imports`);
    assert.ok(imports.some((i) => i.from === 'src/vscode/activate.ts'));
  });

  it('imports only downward: every arrow goes to a layer the table allows', () => {
    const byName = new Map(layers.map((l) => [l.name, l]));
    const wrong = imports
      .map((i) => ({ ...i, a: layerOf(i.from), b: layerOf(i.to) }))
      .filter(({ a, b }) => a !== b && !byName.get(a)!.uses.includes(b))
      .map(({ from, to, line, a, b }) => `${from}:${line} (${a}) imports ${to} (${b})`);
    assert.deepEqual(wrong, []);
  });

  it('has no file that imports itself back, directly or through others', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) edges.set(i.from, (edges.get(i.from) ?? new Set()).add(i.to));
    assert.deepEqual(cycles(edges), []);
  });

  it('has no folder cycle', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) {
      const a = dirname(i.from);
      const b = dirname(i.to);
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    assert.deepEqual(cycles(edges), []);
  });

  it('finds a cycle and a wrong arrow when there is one (the checks can fail)', () => {
    const edges = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    assert.deepEqual(cycles(edges), [['a', 'b', 'c']]);
    assert.equal(layerOf('src/vscode/runs/runsService.ts'), 'vscode');
    assert.equal(layerOf('src/runs/slurm/slurmScheduler.ts'), 'runs/slurm');
    assert.equal(layerOf('src/extension.ts'), 'entry points');
    assert.equal(layerOf('webview/dashboard/main.ts'), 'webview apps');
  });

  it('prints the same table in docs/ARCHITECTURE.md', () => {
    const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const block = /<!-- layers:begin -->\n([\s\S]*?)\n<!-- layers:end -->/.exec(doc)?.[1];
    assert.equal(
      block,
      layerTableMarkdown(),
      `paste this between the layers markers of docs/ARCHITECTURE.md:\n${layerTableMarkdown()}`,
    );
  });

  it('keeps each folder of src/ small enough to read: about 15 loose files (a ratchet: today’s exceptions only shrink)', () => {
    const counts = new Map<string, number>();
    for (const f of files) if (f.startsWith('src/')) counts.set(dirname(f), (counts.get(dirname(f)) ?? 0) + 1);
    const crowded = [...counts]
      .filter(([dir, n]) => n > (crowdedToday[dir] ?? 15))
      .map(([dir, n]) => `${dir}: ${n} files`);
    assert.deepEqual(crowded, []);
    const stale = Object.entries(crowdedToday)
      .filter(([dir, max]) => (counts.get(dir) ?? 0) < max)
      .map(
        ([dir, max]) =>
          `${dir}: ${counts.get(dir) ?? 0} files now, the exception says ${max}: lower it (or drop it at 15)`,
      );
    assert.deepEqual(stale, []);
  });
});
