/**
 * The layers of src/ and webview/, bottom first: the table test/unit/architecture.test.ts enforces and
 * docs/ARCHITECTURE.md prints between its `layers` markers (the test's failure message shows the table to paste).
 */
/** Each layer, the folders it holds, and the layers it may import (besides itself). */
export const layers: readonly { name: string; folders: readonly string[]; uses: readonly string[] }[] = [
  { name: 'shared', folders: ['src/shared'], uses: [] },
  { name: 'tic', folders: ['src/tic'], uses: [] },
  { name: 'protocol', folders: ['src/protocol'], uses: ['tic'] },
  { name: 'checkpoint', folders: ['src/checkpoint'], uses: ['shared', 'tic'] },
  { name: 'formats', folders: ['src/formats'], uses: ['shared', 'tic', 'checkpoint'] },
  { name: 'results', folders: ['src/results'], uses: ['shared', 'tic', 'formats'] },
  { name: 'workspace', folders: ['src/workspace'], uses: ['shared', 'tic', 'checkpoint', 'formats', 'results'] },
  { name: 'plan', folders: ['src/plan'], uses: ['shared', 'tic', 'checkpoint', 'formats', 'workspace'] },
  { name: 'runs', folders: ['src/runs'], uses: ['shared', 'tic', 'formats', 'plan'] },
  { name: 'runs/local', folders: ['src/runs/local'], uses: ['shared', 'tic', 'formats', 'plan', 'runs'] },
  { name: 'runs/slurm', folders: ['src/runs/slurm'], uses: ['shared', 'tic', 'formats', 'plan', 'runs'] },
  { name: 'hub', folders: ['src/hub'], uses: ['shared', 'tic'] },
  { name: 'probe', folders: ['src/probe'], uses: ['shared', 'tic', 'checkpoint'] },
  {
    name: 'fidelity',
    folders: ['src/fidelity'],
    uses: ['shared', 'tic', 'checkpoint', 'formats', 'results', 'workspace'],
  },
  {
    name: 'wire',
    folders: ['src/wire'],
    uses: ['shared', 'tic', 'protocol', 'checkpoint', 'formats', 'results', 'workspace', 'runs', 'fidelity'],
  },
  {
    name: 'cli',
    folders: ['src/cli'],
    uses: ['shared', 'tic', 'checkpoint', 'formats', 'results', 'workspace', 'plan', 'runs', 'runs/local'].concat([
      'runs/slurm',
      'hub',
      'probe',
      'wire',
      'fidelity',
    ]),
  },
  {
    name: 'vscode',
    folders: ['src/vscode'],
    uses: ['shared', 'tic', 'protocol', 'checkpoint', 'formats', 'results', 'workspace', 'plan', 'runs'].concat([
      'runs/local',
      'runs/slurm',
      'hub',
      'probe',
      'wire',
      'fidelity',
    ]),
  },
  { name: 'entry points', folders: ['src'], uses: ['shared', 'cli', 'vscode'] },
  { name: 'webview/shared', folders: ['webview/shared'], uses: ['tic', 'protocol'] },
  { name: 'webview apps', folders: ['webview'], uses: ['shared', 'tic', 'protocol', 'webview/shared'] },
];

/** The table as docs/ARCHITECTURE.md prints it, between its `layers` markers. */
export function layerTableMarkdown(): string {
  const rows = layers.map(
    (l) =>
      `| ${l.name} | ${l.folders.map((f) => `\`${f}/\``).join(', ')} | ${l.uses.length === 0 ? '(nothing)' : l.uses.join(', ')} |`,
  );
  return ['| layer | folders | may import |', '|---|---|---|', ...rows].join('\n');
}
