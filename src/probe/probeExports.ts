import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readUntrustedText } from '../shared/untrustedFile';
import { parseProbeManifest, probeFiles, type ProbeManifest } from './probeModel';

/** probe.json is a few hundred bytes; read as untrusted (a named pipe there must not stall the list). */
const maxManifestBytes = 1024 * 1024;

export interface ProbeExport {
  readonly dir: string;
  readonly manifest: ProbeManifest;
  /** What people read: `basic-cumulative 2022` or `datacomp_medium-basic_cumulative_2016 / epoch_latest.pt`. */
  readonly label: string;
}

/**
 * The exports under each root: a root that is itself an export, or its child folders that are (the export cache
 * holds one per checkpoint hash). Folders that are not exports, or whose probe.json is invalid, are skipped.
 */
export async function listProbeExports(roots: readonly string[]): Promise<ProbeExport[]> {
  const found: ProbeExport[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const candidates = existsSync(join(root, probeFiles.manifest))
      ? [root]
      : await readdir(root, { withFileTypes: true }).then(
          (entries) =>
            entries.filter((e) => e.isDirectory() && !e.name.includes('.partial-')).map((e) => join(root, e.name)),
          () => [],
        );
    for (const dir of candidates.sort()) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      try {
        const manifest = parseProbeManifest(
          JSON.parse(await readUntrustedText(join(dir, probeFiles.manifest), maxManifestBytes)),
        );
        found.push({ dir, manifest, label: probeLabel(manifest.sourceCheckpoint) });
      } catch {
        // not an export (or a broken one, a pipe or an oversize file named probe.json): not listed
      }
    }
  }
  return found;
}

/**
 * A short name for the checkpoint an export came from: a published one by its repo and year
 * (`…/models--apple--TiC-CLIP-basic-cumulative/snapshots/<commit>/checkpoints/2022.pt`), a training one by its
 * experiment and file (`…/<exp>/checkpoints/epoch_latest.pt`), anything else by its file name.
 */
export function probeLabel(sourceCheckpoint: string): string {
  const hub = /models--apple--TiC-CLIP-([\w-]+)\/snapshots\/[^/]+\/checkpoints\/(\d{4})\.pt$/.exec(sourceCheckpoint);
  if (hub) return `${hub[1]} ${hub[2]}`;
  const file = basename(sourceCheckpoint);
  const parent = dirname(sourceCheckpoint);
  if (basename(parent) === 'checkpoints') return `${basename(dirname(parent))} / ${file}`;
  return file;
}
