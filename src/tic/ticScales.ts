import type { ClipModelName } from './clipModels';

/** The TiC scales of datacomp's patched `scale_configs.py` (contracts §1.2). */
export type TicScale = 'tic_debug' | 'tic_medium' | 'tic_large' | 'tic_xlarge';

export interface TicScaleConfig {
  readonly scale: TicScale;
  /** The word the experiment names use: `datacomp_medium-basic_cumulative_2017`. */
  readonly nameWord: 'debug' | 'medium' | 'large' | 'xlarge';
  readonly globalBatch: number;
  readonly learningRate: number;
  /** Samples of one training step (one year), all epochs together. */
  readonly trainNumSamples: number;
  readonly warmup: number;
  /** Not ViT-B/16 everywhere: tic_medium and tic_debug are ViT-B-32 (§1.2 discrepancy, §7.4). */
  readonly model: ClipModelName;
}

export const ticScaleConfigs: Readonly<Record<TicScale, TicScaleConfig>> = {
  tic_debug: {
    scale: 'tic_debug',
    nameWord: 'debug',
    globalBatch: 1024,
    learningRate: 1e-4,
    trainNumSamples: 1024 * 1000,
    warmup: 500,
    model: 'ViT-B-32',
  },
  tic_medium: {
    scale: 'tic_medium',
    nameWord: 'medium',
    globalBatch: 4096,
    learningRate: 5e-4,
    trainNumSamples: 4096 * 4500,
    warmup: 500,
    model: 'ViT-B-32',
  },
  tic_large: {
    scale: 'tic_large',
    nameWord: 'large',
    globalBatch: 8192,
    learningRate: 5e-4,
    trainNumSamples: 8192 * 22500,
    warmup: 500,
    model: 'ViT-B-16',
  },
  tic_xlarge: {
    scale: 'tic_xlarge',
    nameWord: 'xlarge',
    globalBatch: 90112,
    learningRate: 1e-3,
    trainNumSamples: 90112 * 20500,
    warmup: 10000,
    model: 'ViT-B-16',
  },
};

export const ticScales: readonly TicScale[] = ['tic_debug', 'tic_medium', 'tic_large', 'tic_xlarge'];

export function isTicScale(value: string): value is TicScale {
  return (ticScales as readonly string[]).includes(value);
}

/** The Oracle trains once on all data with 7× a step's samples (`TIC:scripts/run_medium_basic_oracle.sh`, §1.2). */
export const oracleSampleFactor = 7;
