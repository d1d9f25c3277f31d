/**
 * What the protocol guard says about a chain (contracts §9): per step, each deviation from the TiC-CLIP protocol and
 * what the step cost; per chain, the totals and the ratio to the oracle. Plain data, safe to JSON.stringify: the
 * CLI prints it (`tic-studio protocol`), the views and the dashboard show it.
 */

/** The checks, in the order people read them. */
export const protocolChecks = [
  'model',
  'globalBatch',
  'samples',
  'lr',
  'schedule',
  'warmup',
  'optimizer',
  'continuation',
  'data',
  'chain',
  'eval',
] as const;

export type ProtocolCheck = (typeof protocolChecks)[number];

/**
 * - `error`: the step is not comparable to the paper's (another budget, model, data…);
 * - `warning`: it may not be (a value the files do not say, a tolerance barely met);
 * - `note`: worth knowing, comparable all the same (a warmup that matches the released xlarge runs).
 */
export type ProtocolSeverity = 'error' | 'warning' | 'note';

export interface ProtocolProblem {
  readonly check: ProtocolCheck;
  /** What the protocol asks for, for people: `4096 (tic_medium)`. */
  readonly expected: string;
  /** What the step did: `2048 (512 × 4 GPUs × 1)`. */
  readonly actual: string;
  readonly severity: ProtocolSeverity;
}

/** What one step cost. Null where the files do not say. */
export interface StepCompute {
  /** Samples the optimizer saw: optimizer steps run × global batch. */
  readonly samplesSeen: number | null;
  /** Optimizer steps run, every start of the run together (a restart's repeated steps counted once). */
  readonly optimizerSteps: number | null;
  /** Per-GPU batch × world size × accum_freq. */
  readonly globalBatch: number | null;
  /** Wall time of each start (from the log's timestamps) × its world size, restarts included. */
  readonly gpuHours: number | null;
  /** ≈ 3 × forward FLOPs per sample × samples seen (contracts §9). */
  readonly trainFlops: number | null;
}

export interface StepProtocol {
  /** The training step (year). */
  readonly step: number;
  readonly experiment: string;
  readonly expName: string;
  /** No `error` problem. */
  readonly comparable: boolean;
  readonly problems: readonly ProtocolProblem[];
  readonly compute: StepCompute;
}

export interface ChainProtocol {
  /** The chain's key (src/workspace/chains.ts). */
  readonly chain: string;
  readonly label: string;
  /** The steps the chain trained itself (not the ones it shares before a fork, not published ones). */
  readonly steps: readonly StepProtocol[];
  /** Every step comparable. */
  readonly comparable: boolean;
  /** Sums over the chain's steps, shared steps included (what the lineage cost); null where a step does not say. */
  readonly totals: StepCompute;
  /** Chain samples ÷ the samples of the oracle that reaches its last step (7 × a step's, contracts §9); null if unknown. */
  readonly oracleRatio: number | null;
}
