import type { CheckpointDiff, GroupDiff } from '../checkpoint/diff';
import type { CheckpointReport } from '../checkpoint/report';
import type { DiffWire, GroupDeltaWire, ReportWire } from '../protocol/checkpointMessages';

/** The report as the webview receives it: only what it shows, spelled out field by field (no casts). */
export function reportToWire(r: CheckpointReport): ReportWire {
  const a = r.architecture;
  return {
    format: r.format,
    file: { path: r.file.path, size: r.file.size },
    topLevel: { ...r.topLevel },
    stateDictPath: r.stateDictPath ? [...r.stateDictPath] : null,
    stripPrefix: r.stripPrefix,
    tensors: r.tensors.map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: [...t.shape],
      numel: t.numel,
      bytes: t.bytes,
    })),
    totalParams: r.totalParams,
    paramsByTower: { visual: r.paramsByTower.visual, text: r.paramsByTower.text, other: r.paramsByTower.other },
    architecture: a && {
      name: a.name,
      patchSize: a.patchSize,
      visionWidth: a.visionWidth,
      visionLayers: a.visionLayers,
      imageSize: a.imageSize,
      embedDim: a.embedDim,
      contextLength: a.contextLength,
      vocabSize: a.vocabSize,
      textWidth: a.textWidth,
      textLayers: a.textLayers,
    },
    optimizer: r.optimizer && {
      paramGroups: r.optimizer.paramGroups.map((g) => ({
        lr: g.lr,
        betas: g.betas ? [...g.betas] : null,
        eps: g.eps,
        weightDecay: g.weightDecay,
        params: g.params,
      })),
      stateEntries: r.optimizer.stateEntries,
      stepCount: r.optimizer.stepCount,
      stateBytes: r.optimizer.stateBytes,
    },
    warnings: r.warnings.map((w) => ({ kind: w.kind, detail: w.detail })),
    stats: { bytesRead: r.stats.bytesRead, elapsedMs: r.stats.elapsedMs },
  };
}

const group = (g: GroupDiff): GroupDeltaWire => ({
  name: g.name,
  l2Delta: g.l2Delta,
  relDelta: g.relDelta,
  tensors: g.tensors,
});

export function diffToWire(d: CheckpointDiff): DiffWire {
  return {
    a: d.a.path,
    b: d.b.path,
    tensors: d.tensors.map((t) => ({ name: t.name, l2Delta: t.l2Delta, relDelta: t.relDelta, cosine: t.cosine })),
    blocks: d.blocks.map(group),
    towers: d.towers.map(group),
    onlyInA: [...d.onlyInA],
    onlyInB: [...d.onlyInB],
    shapeMismatch: d.shapeMismatch.map((m) => ({ name: m.name, shapeA: [...m.shapeA], shapeB: [...m.shapeB] })),
  };
}
