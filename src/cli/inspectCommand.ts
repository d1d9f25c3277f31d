import { parseArgs } from 'node:util';
import { inspectCheckpoint, type CheckpointReport } from '../checkpoint/report';
import { checkpointErrorLine } from './common/checkpointErrorLine';
import { UsageError, type CliIo } from './common/cliIo';
import { fmt, table } from './common/table';

export const inspectUsage = `Usage: tic-studio inspect FILE [--json]

Reads a PyTorch (.pt/.pth/.bin, zip or legacy) or safetensors checkpoint without running any pickle code and
prints what it holds: top-level values (epoch, name), the state dict's tensors, parameter totals per tower, the
CLIP architecture inferred from shapes, the optimizer and AMP scaler state, and security warnings.
  --json   print the report as JSON (format, topLevel, stripPrefix, tensors[], totalParams, architecture,
           optimizer, warnings[], …)`;

export async function inspectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expects exactly one FILE (see --help).');
  const path = positionals[0]!;
  let report: CheckpointReport;
  try {
    // Synchronous reads: this process has nothing else to do meanwhile (RandomAccessOptions.synchronous).
    report = await inspectCheckpoint(path, { synchronousReads: true });
  } catch (error) {
    io.stderr.write(`tic-studio inspect: ${checkpointErrorLine(path, error)}\n`);
    return 1;
  }
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return 0;
}

function describe(r: CheckpointReport): string {
  const out: string[] = [];
  const a = r.architecture;
  out.push(
    `${r.file.path}: ${r.format}${r.zipRoot ? ` (zip root ${r.zipRoot}/)` : ''}, ${r.file.size} bytes; read ${r.stats.bytesRead} bytes in ${Math.round(r.stats.elapsedMs)} ms`,
  );
  for (const [k, v] of Object.entries(r.topLevel)) out.push(`  ${k}: ${v === null ? 'None' : String(v)}`);
  out.push(
    `  state dict: ${r.stateDictPath === null ? 'not found' : r.stateDictPath.length ? r.stateDictPath.join(' > ') : 'top level'}${r.stripPrefix ? ` (prefix '${r.stripPrefix}' stripped)` : ''}`,
  );
  out.push(
    `  parameters: ${r.totalParams} (visual ${r.paramsByTower.visual}, text ${r.paramsByTower.text}, other ${r.paramsByTower.other}) in ${r.tensors.length} tensors`,
  );
  if (a) {
    out.push(
      `  architecture: ${a.name ?? 'unrecognised CLIP shape'} (patch ${a.patchSize}, vision ${a.visionWidth}×${a.visionLayers}, image ${a.imageSize}, embed ${a.embedDim}, text ${a.textWidth}×${a.textLayers}, context ${a.contextLength}, vocab ${a.vocabSize})`,
    );
  }
  if (r.optimizer) {
    const o = r.optimizer;
    out.push(`  optimizer: ${o.stateEntries} state entries (${o.stateBytes} bytes), step ${o.stepCount ?? '-'}`);
    o.paramGroups.forEach((g, i) =>
      out.push(
        `    group ${i}: ${g.params} params, lr ${fmt(g.lr, 6)}, betas ${g.betas?.join(', ') ?? '-'}, eps ${fmt(g.eps)}, weight decay ${fmt(g.weightDecay)}`,
      ),
    );
  }
  if (r.scaler !== null) out.push(`  scaler: ${JSON.stringify(r.scaler)}`);
  for (const w of r.warnings)
    out.push(`  ${w.severity === 'security' ? 'SECURITY WARNING' : 'warning'}: ${w.kind}: ${w.detail}`);
  out.push('');
  out.push(
    table(
      ['name', 'dtype', 'shape', 'numel', 'bytes'],
      r.tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`, String(t.numel), String(t.bytes)]),
      new Set([3, 4]),
    ),
  );
  return out.join('\n');
}
