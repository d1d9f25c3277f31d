import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';

import { parseSlurmJobOptions, type SlurmJobOptions } from '../../runs/model/slurmJobOptions';
import type { SlurmError } from '../../runs/model/slurmError';
import { settingKeys } from './ids';

/** Every TiC Studio setting is read here (keys in ids.ts, declared in package.json `contributes.configuration`). */
function get<T>(key: string, fallback: T): T {
  const [section, ...rest] = key.split('.');
  return vscode.workspace.getConfiguration(section).get<T>(rest.join('.'), fallback);
}

/** The Hub settings a workspace may set; the endpoint and the cache folder are read by hub/hubMachineSettings.ts. */
export interface HubUserSettings {
  connections: number;
  extraRepos: string[];
}

/** Settings are input: anything of the wrong type falls back to the default rather than reaching the domain code. */
export function readHubSettings(): HubUserSettings {
  const connections = get<unknown>(settingKeys.hubConnections, 4);
  const extra = get<unknown>(settingKeys.hubExtraRepos, []);
  return {
    connections:
      typeof connections === 'number' && Number.isInteger(connections) && connections >= 1 && connections <= 16
        ? connections
        : 4,
    extraRepos: Array.isArray(extra)
      ? extra.filter((r): r is string => typeof r === 'string' && /^[\w.-]+\/[\w.-]+$/.test(r))
      : [],
  };
}

export interface RunSettings {
  /** The ml-tic-clip checkout, when it is not the workspace folder (or its ml-tic-clip/ child). */
  checkout: string | undefined;
  /** The Python of the datacomp environment; undefined: the Python extension's interpreter, else python3. */
  python: string | undefined;
  /** $TIC_DATACOMP_Y_PATH/train: the folder holding one folder of shards per year. */
  dataRoot: string | undefined;
  /** $TIC_DATACOMP_M_PATH/train: the folder holding one folder of shards per month (`YYYYMM`, contracts §4.3). */
  monthlyDataRoot: string | undefined;
  imagenetVal: string | undefined;
  /** A folder with the stand-in trainer and evaluator (demo): runs are simulated, labelled so. */
  simulator: string | undefined;
}

/** Paths may be relative to the workspace folder and may start with ~. */
export function readRunSettings(workspaceRoot: string): RunSettings {
  const path = (key: string, envFallback?: string): string | undefined => {
    const raw = get<unknown>(key, '');
    const value = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : envFallback;
    if (value === undefined || value === '') return undefined;
    if (value.startsWith('~/')) return join(homedir(), value.slice(2));
    return isAbsolute(value) ? value : resolve(workspaceRoot, value);
  };
  const tic = process.env.TIC_DATACOMP_Y_PATH;
  const ticMonthly = process.env.TIC_DATACOMP_M_PATH;
  return {
    checkout: path(settingKeys.runsCheckout),
    // A bare command name (python3) is looked up on PATH; anything with a slash is a path.
    python: ((raw) =>
      typeof raw === 'string' && raw.trim() !== '' && !raw.includes('/') ? raw.trim() : path(settingKeys.runsPython))(
      get<unknown>(settingKeys.runsPython, ''),
    ),
    dataRoot: path(settingKeys.runsDataRoot, tic ? join(tic, 'train') : undefined),
    monthlyDataRoot: path(settingKeys.runsMonthlyDataRoot, ticMonthly ? join(ticMonthly, 'train') : undefined),
    imagenetVal: path(settingKeys.runsImagenetVal),
    simulator: path(settingKeys.runsSimulator),
  };
}

/**
 * `ticStudio.slurm.*`: the cluster defaults of a Slurm job (the launch form overrides nodes and GPUs), checked like
 * any untrusted input; a bad value comes back as a SlurmError naming it.
 */
export function readSlurmJobOptions(): SlurmJobOptions | SlurmError {
  const text = (key: string) => {
    const raw = get<unknown>(key, '');
    return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
  };
  const cpus = get<unknown>(settingKeys.slurmCpusPerTask, 0);
  return parseSlurmJobOptions({
    partition: text(settingKeys.slurmPartition),
    account: text(settingKeys.slurmAccount),
    qos: text(settingKeys.slurmQos),
    time: text(settingKeys.slurmTime),
    mem: text(settingKeys.slurmMem),
    cpusPerTask: cpus === 0 ? undefined : cpus,
    nodes: get<unknown>(settingKeys.slurmNodes, 1),
    gpusPerNode: get<unknown>(settingKeys.slurmGpusPerNode, 8),
    gpuDirective: get<unknown>(settingKeys.slurmGpuDirective, 'gpus-per-node'),
    gresName: text(settingKeys.slurmGresName),
    requeue: get<unknown>(settingKeys.slurmRequeue, false),
    autoResume: get<unknown>(settingKeys.slurmAutoResume, false),
    maxResubmits: get<unknown>(settingKeys.slurmMaxResubmits, 10),
    rdzvPort: get<unknown>(settingKeys.slurmRdzvPort, 29500),
    extraDirectives: get<unknown>(settingKeys.slurmExtraDirectives, []),
  });
}

/** `ticStudio.slurm.pollSeconds` / `maxPollSeconds` in ms (at least 1 s; the ceiling at least the first). */
export function readSlurmPolling(): { pollMs: number; maxPollMs: number } {
  const seconds = (key: string, fallback: number) => {
    const raw = get<unknown>(key, fallback);
    return typeof raw === 'number' && Number.isFinite(raw) && raw >= 1 ? raw : fallback;
  };
  const pollMs = seconds(settingKeys.slurmPollSeconds, 15) * 1000;
  return { pollMs, maxPollMs: Math.max(pollMs, seconds(settingKeys.slurmMaxPollSeconds, 120) * 1000) };
}

/** `ticStudio.dashboard.firstStep`: how the merged 2014–2016 step enters the transfer summaries. */
export function readFirstStepMode(): 'merge' | 'separate' {
  return get<unknown>(settingKeys.dashboardFirstStep, 'merge') === 'separate' ? 'separate' : 'merge';
}

/** `ticStudio.probe.exportDirs`: more folders of probe exports (relative to the workspace folder, ~ allowed). */
export function readProbeExportDirs(workspaceRoot: string | undefined): string[] {
  const raw = get<unknown>(settingKeys.probeExportDirs, []);
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((d): d is string => typeof d === 'string' && d.trim() !== '')
    .map((d) => d.trim())
    .map((d) =>
      d.startsWith('~/') ? join(homedir(), d.slice(2)) : isAbsolute(d) ? d : resolve(workspaceRoot ?? homedir(), d),
    );
}

/**
 * `ticStudio.probe.sampleImages`: a folder of images the Probe panel loads when it opens with none (relative to the
 * workspace folder, ~ allowed), or undefined when unset (or relative without a workspace folder).
 */
export function readProbeSampleImages(workspaceRoot: string | undefined): string | undefined {
  const raw = get<unknown>(settingKeys.probeSampleImages, '');
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const d = raw.trim();
  if (d.startsWith('~/')) return join(homedir(), d.slice(2));
  if (isAbsolute(d)) return d;
  return workspaceRoot === undefined ? undefined : resolve(workspaceRoot, d);
}

/**
 * The W&B user or team for Open Run in Weights and Biases: the user's own setting only (an application-scoped setting; a workspace
 * cannot point the link at another entity), trimmed; '' when not set.
 */
export function readWandbEntity(): string {
  const value = vscode.workspace.getConfiguration().inspect<unknown>(settingKeys.wandbEntity)?.globalValue;
  return typeof value === 'string' ? value.trim() : '';
}

export async function saveWandbEntity(entity: string): Promise<void> {
  await vscode.workspace.getConfiguration().update(settingKeys.wandbEntity, entity, vscode.ConfigurationTarget.Global);
}
