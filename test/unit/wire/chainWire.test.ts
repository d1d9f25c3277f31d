import assert from 'node:assert/strict';
import { emptyChainStep, type Chain, type ChainStep, type LineageRoot } from '../../../src/workspace/chains';
import { chainIdentityWire, rootSentence } from '../../../src/wire/dashboardSnapshot';
import { timelineSteps } from '../../../src/wire/timelineSteps';

// Hand-built chains in the shape src/workspace/chains.ts gives them: what the dashboard is told about a variant.

const emptyStep = emptyChainStep;

const trained = (year: number, name: string, extra: Partial<ChainStep> = {}): ChainStep => ({
  ...emptyStep(year),
  experiment: `/r/${name}`,
  expName: name,
  finalCheckpoint: {
    name: 'epoch_latest.pt',
    path: `/r/${name}/checkpoints/epoch_latest.pt`,
    epoch: null,
    latest: true,
    size: 1,
    modifiedMs: 0,
  },
  status: 'finished',
  statusReason: null,
  ...extra,
});

const chain = (extra: Partial<Chain> & Pick<Chain, 'key' | 'steps'>): Chain => ({
  group: 'tic_xlarge/bestpool/cumulative',
  strategy: 'cumulative',
  timescale: 'yearly',
  branch: null,
  scale: 'tic_xlarge',
  filtering: 'bestpool',
  variant: null,
  variantSource: null,
  label: extra.key,
  forkedFrom: null,
  root: { kind: 'scratch' },
  lineage: [],
  guessed: false,
  lastYear: null,
  ...extra,
});

const published2016: ChainStep = {
  ...emptyStep(2016),
  published: { repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path: '/hf/blobs/abc' },
};

describe('the wire form of a chain that is one lineage', () => {
  it('names the chain by its label for people and keeps the key as its identifier', () => {
    const wire = chainIdentityWire(
      chain({
        key: 'tic_xlarge/bestpool/cumulative@x_2017_lr1e4',
        label: 'tic_xlarge/bestpool/cumulative · lr1e4',
        variant: 'lr1e4',
        variantSource: 'suffix',
        forkedFrom: { chain: 'tic_xlarge/bestpool/cumulative', year: 2016 },
        steps: [],
      }),
    );
    assert.deepEqual(wire, {
      key: 'tic_xlarge/bestpool/cumulative@x_2017_lr1e4',
      label: 'tic_xlarge/bestpool/cumulative · lr1e4',
      strategy: 'cumulative',
      variant: 'lr1e4',
      forkedFrom: { chain: 'tic_xlarge/bestpool/cumulative', year: 2016 },
      root: null,
    });
  });

  it('says in one sentence what a lineage that is not trained from scratch continues', () => {
    const roots: [LineageRoot, string | null][] = [
      [{ kind: 'scratch' }, null],
      [
        { kind: 'published', repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path: '/hf/blobs/abc' },
        'continues the published apple/TiC-CLIP-bestpool-cumulative 2016 checkpoint',
      ],
      [
        { kind: 'external', path: '/ckpt/a.pt' },
        "continues /ckpt/a.pt, a checkpoint from outside the workspace's experiments",
      ],
      [
        { kind: 'missing', path: '/old/x/checkpoints/epoch_latest.pt' },
        "continues /old/x/checkpoints/epoch_latest.pt, which is not among the workspace's experiments",
      ],
    ];
    for (const [root, sentence] of roots) assert.equal(rootSentence(root), sentence);
  });

  it('marks the inherited prefix and a published step (its checkpoint is on the Hub, even when cached)', () => {
    const variant = chain({
      key: 'k@x_2017_lr1e4',
      forkedFrom: { chain: 'k', year: 2016 },
      root: { kind: 'published', repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path: '/hf/blobs/abc' },
      steps: [
        { ...published2016, inherited: true },
        trained(2017, 'x_2017_lr1e4', { resumedFrom: null }),
        emptyStep(2018),
      ],
    });
    const nodes = timelineSteps(variant, []);
    assert.deepEqual(
      nodes.map((n) => [n.year, n.inherited, n.published, n.checkpoint]),
      [
        [2016, true, true, 'hub'],
        [2017, false, false, 'local'],
        [2018, false, false, 'hub'],
      ],
    );
    assert.match(nodes[0]!.detail, /the published apple\/TiC-CLIP-bestpool-cumulative 2016 checkpoint/);
  });

  it('keeps a scratch lineage unmarked', () => {
    const main = chain({
      key: 'tic_medium/basic/cumulative',
      scale: 'tic_medium',
      filtering: 'basic',
      steps: [trained(2016, 'c_2016'), trained(2017, 'c_2017')],
    });
    const nodes = timelineSteps(main, []);
    assert.deepEqual(
      nodes.map((n) => [n.inherited, n.published, n.checkpoint]),
      [
        [false, false, 'local'],
        [false, false, 'local'],
      ],
    );
  });
});
