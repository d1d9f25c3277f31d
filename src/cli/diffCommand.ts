import { parseArgs } from 'node:util';
import { defaultMaxDiffElements, diffCheckpoints, DiffTooLargeError, type CheckpointDiff } from '../checkpoint/diff';
import { checkpointErrorLine } from './common/checkpointErrorLine';
import { UsageError, type CliIo } from './common/cliIo';
import { fmt, table } from './common/table';

export const diffUsage = `Usage: tic-studio diff A B [--json] [--top N] [--max-elements N]

How far checkpoint B moved from A: per tensor ‖B−A‖₂, ‖B−A‖₂/‖A‖₂ and cosine(A, B), aggregated per block and
per tower, plus tensors only in A, only in B, or with different shapes. Streams tensor by tensor (memory stays far
below the files' size). Names are compared after stripping 'module.'. A tensor that a file declares far larger than
the values it stores (a stride-0 expand, overlapping strides) is compared over its stored values when both sides
repeat them alike, and otherwise listed as not compared, with the reason.
  --json            print the whole diff as JSON
  --top N           tensors to list in the text output, largest relative change first (default 20)
  --max-elements N  refuse, before reading, to compare more than N values per checkpoint (default
                    ${defaultMaxDiffElements}, above the 2.5 G of a ViT-bigG-14)`;

export async function diffCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      top: { type: 'string', default: '20' },
      'max-elements': { type: 'string', default: String(defaultMaxDiffElements) },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) throw new UsageError('expects two files, A and B (see --help).');
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top expects a whole number, got '${values.top}'.`);
  const maxElements = Number(values['max-elements']);
  if (!/^\d+$/.test(values['max-elements']) || !Number.isSafeInteger(maxElements))
    throw new UsageError(`--max-elements expects a whole number, got '${values['max-elements']}'.`);
  const [a, b] = positionals as [string, string];
  let diff: CheckpointDiff;
  try {
    diff = await diffCheckpoints(a, b, { maxElements });
  } catch (error) {
    if (error instanceof DiffTooLargeError) {
      io.stderr.write(
        `tic-studio diff: ${a} / ${b}: tooLarge: comparing them means reading ${error.elements} values from each, over the bound of ${error.limit} (--max-elements); nothing was compared. Raise the bound if these checkpoints really hold that many values.\n`,
      );
      return 1;
    }
    const line = checkpointErrorLine(`${a} / ${b}`, error);
    io.stderr.write(`tic-studio diff: ${line}\n`);
    return 1;
  }
  io.stdout.write(values.json ? `${JSON.stringify(diff, null, 2)}\n` : describe(diff, top));
  return 0;
}

function describe(d: CheckpointDiff, top: number): string {
  const out: string[] = [
    `A: ${d.a.path}`,
    `B: ${d.b.path}`,
    `${d.tensors.length} tensors compared in ${Math.round(d.stats.elapsedMs)} ms`,
    '',
  ];
  const groupRows = (groups: CheckpointDiff['blocks']): string[][] =>
    groups.map((g) => [g.name, String(g.tensors), fmt(g.relDelta), fmt(g.l2Delta), fmt(g.cosine, 6)]);
  const right = new Set([1, 2, 3, 4]);
  out.push(table(['tower', 'tensors', 'rel Δ', 'L2 Δ', 'cosine'], groupRows(d.towers), right));
  out.push(table(['block', 'tensors', 'rel Δ', 'L2 Δ', 'cosine'], groupRows(d.blocks), right));
  const largest = [...d.tensors].sort((x, y) => (y.relDelta ?? -1) - (x.relDelta ?? -1)).slice(0, top);
  if (largest.length)
    out.push(
      table(
        ['tensor (largest relative change)', 'rel Δ', 'L2 Δ', 'cosine'],
        largest.map((t) => [t.name, fmt(t.relDelta), fmt(t.l2Delta), fmt(t.cosine, 6)]),
        new Set([1, 2, 3]),
      ),
    );
  for (const n of d.onlyInA) out.push(`only in A: ${n}`);
  for (const n of d.onlyInB) out.push(`only in B: ${n}`);
  for (const m of d.shapeMismatch)
    out.push(`shape differs: ${m.name} [${m.shapeA.join(', ')}] vs [${m.shapeB.join(', ')}]`);
  for (const s of d.skipped) out.push(`not compared: ${s.name} (${s.reason})`);
  return out.join('\n') + '\n';
}
