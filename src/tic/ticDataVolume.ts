/**
 * Image–text pairs of TiC-DataComp per calendar year (contracts §4.1: the HF `tic-datacomp_training_yearly_noeval`
 * .npy sizes, samples = (bytes − 128) / 16). Three years are published only as a rounded size ("2.94 GB"), so
 * their counts are approximate and marked so. The first training step, 2016, trains on 2014 + 2015 + 2016 (§4.2).
 */
export interface DataVolume {
  readonly year: number;
  readonly samples: number;
  readonly approximate: boolean;
}

export const ticDataVolume: readonly DataVolume[] = [
  { year: 2014, samples: 256_117_991, approximate: false },
  { year: 2015, samples: 184_000_000, approximate: true },
  { year: 2016, samples: 695_877_340, approximate: false },
  { year: 2017, samples: 1_991_048_789, approximate: false },
  { year: 2018, samples: 1_960_000_000, approximate: true },
  { year: 2019, samples: 2_105_865_447, approximate: false },
  { year: 2020, samples: 1_857_899_709, approximate: false },
  { year: 2021, samples: 2_140_000_000, approximate: true },
  { year: 2022, samples: 1_506_371_014, approximate: false },
];
