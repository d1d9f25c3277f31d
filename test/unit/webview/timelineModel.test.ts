import assert from 'node:assert/strict';
import type { StepNodeWire } from '../../../src/protocol/dashboardMessages';
import { exportFileName } from '../../../webview/dashboard/exportName';
import {
  canEvaluate,
  forkLinks,
  inheritedYears,
  laneDescription,
  laneOrder,
  ownSteps,
  stepLabel,
  stepSpan,
  timelineYears,
  type LaneChain,
} from '../../../webview/dashboard/timelineModel';
import { buildTimelineScene } from '../../../webview/dashboard/timelineScene';
import { formatSamples } from '../../../webview/dashboard/volumeFormat';
import { sceneToSvg } from '../../../webview/shared/sceneToSvg';
import { stepNodeWire } from '../../support/stepNodeWire';

const step = (partial: Partial<StepNodeWire> = {}): StepNodeWire =>
  stepNodeWire({ evaluation: 'missing', detail: 'detail text', ...partial });

const colors = {
  foreground: '#fff',
  background: '#000',
  muted: '#999',
  border: '#444',
  blue: '#00f',
  green: '#0f0',
  red: '#f00',
  orange: '#fa0',
  purple: '#a0f',
  fontFamily: 'sans-serif',
  fontSize: 13,
};

describe('timeline model', () => {
  it('spans 2014…2022 and widens to the data it is given', () => {
    assert.deepEqual(timelineYears([], []), [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.equal(timelineYears([{ year: 2023, samples: 1, approximate: false }], []).at(-1), 2023);
  });

  it('draws the first step over the data years 2014–2016', () => {
    assert.deepEqual(stepSpan(2016), [2014, 2016]);
    assert.deepEqual(stepSpan(2019), [2019, 2019]);
  });

  it('names a node with its data years, state and the host detail', () => {
    assert.equal(
      stepLabel('c', step({ year: 2016, run: 'running', progress: 0.426, shared: true })),
      'c step 2016 (data 2014–2016): running 43%, checkpoint local, not evaluated, shared with the sibling chain. detail text',
    );
  });

  it('offers Evaluate only for a checkpoint without any evaluation', () => {
    assert.ok(canEvaluate(step()));
    assert.ok(canEvaluate(step({ checkpoint: 'hub' })));
    assert.ok(!canEvaluate(step({ checkpoint: 'missing' })));
    assert.ok(!canEvaluate(step({ evaluation: 'partial' })));
    assert.ok(!canEvaluate(step({ run: 'running' })));
  });

  it('formats data volumes as the contracts quote them', () => {
    assert.equal(formatSamples(2e9), '2.0B');
    assert.equal(formatSamples(1.96e9, true), '\u22481.96B');
    assert.equal(formatSamples(480e6), '480M');
    assert.equal(formatSamples(12_345), '12.3k');
  });

  it('suggests export file names the host accepts', () => {
    assert.equal(
      exportFileName(['tic_medium/basic/cumulative', 'retrieval', 'mean_recall@1'], 'csv'),
      'tic_medium_basic_cumulative-retrieval-mean_recall@1.csv',
    );
    assert.equal(exportFileName(['<img src=x>'], 'csv'), '_img src_x_.csv');
    assert.equal(exportFileName(['..', ''], 'svg'), 'export.svg');
    const long = exportFileName(['x'.repeat(500)], 'png');
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('.png'));
    for (const name of [long, exportFileName(['.hidden/../../etc'], 'csv')]) assert.match(name, /^[\w@ -][\w.@ -]*$/);
  });

  it('exports the timeline scene as escaped SVG', () => {
    const scene = buildTimelineScene({
      width: 800,
      dataVolume: [{ year: 2014, samples: 2e8, approximate: false }],
      chains: [
        {
          key: 'k',
          label: '<img src=x onerror=alert(1)>',
          forkedFrom: null,
          steps: [step({ year: 2016 }), step({ run: 'running', progress: 0.5 })],
        },
      ],
      colors,
    });
    const svg = sceneToSvg(scene);
    assert.ok(!svg.includes('<img'));
    assert.ok(svg.includes('&#60;img src=x onerror=alert(1)&#62;'));
    assert.ok(svg.includes('>200M<'));
  });

  it('names a published step as such', () => {
    assert.match(
      stepLabel('c', step({ year: 2016, published: true, checkpoint: 'hub' })),
      /, a published checkpoint\./,
    );
  });
});

describe('timeline lanes of variants', () => {
  const years = [2016, 2017, 2018, 2019];
  const lane = (key: string, forkedFrom: LaneChain['forkedFrom'], inheritedUpTo = 0): LaneChain => ({
    key,
    label: key,
    forkedFrom,
    steps: years.map((year) => step({ year, inherited: year <= inheritedUpTo })),
  });
  const base = lane('cum', null);
  const lr = lane('cum@lr', { chain: 'cum', year: 2016 }, 2016);
  const lrChild = lane('cum@lr2', { chain: 'cum@lr', year: 2017 }, 2017);
  const seq = lane('seq', null);

  it('puts each variant right under the chain it forked from', () => {
    assert.deepEqual(
      laneOrder([base, seq, lrChild, lr]).map((c) => c.key),
      ['cum', 'cum@lr', 'cum@lr2', 'seq'],
    );
  });

  it('keeps a variant whose parent is absent, and chains in a cycle, as lanes of their own', () => {
    const orphan = lane('o', { chain: 'gone', year: 2016 }, 2016);
    const a = lane('a', { chain: 'b', year: 2016 });
    const b = lane('b', { chain: 'a', year: 2016 });
    assert.deepEqual(
      laneOrder([orphan, a, b, base]).map((c) => c.key),
      ['o', 'cum', 'a', 'b'],
    );
  });

  it('draws the inherited prefix once: in the parent lane, not in the variant lane', () => {
    assert.deepEqual(
      ownSteps(base).map((s) => s.year),
      years,
    );
    assert.deepEqual(
      ownSteps(lr).map((s) => s.year),
      [2017, 2018, 2019],
    );
    assert.deepEqual(inheritedYears(lr), [2016]);
    assert.deepEqual(inheritedYears(base), []);
  });

  it('links the parent node at the fork year to the variant first own step', () => {
    assert.deepEqual(forkLinks([base, lr, lrChild, seq]), [
      { parent: 'cum', variant: 'cum@lr', fromYear: 2016, toYear: 2017 },
      { parent: 'cum@lr', variant: 'cum@lr2', fromYear: 2017, toYear: 2018 },
    ]);
    // No lane for the parent: nothing to draw from.
    assert.deepEqual(forkLinks([lr]), []);
  });

  it('describes a lane with its label, where it forks and its root', () => {
    assert.equal(
      laneDescription({ label: 'cum · lr1e4', forkedFrom: { chain: 'cum', year: 2016 }, root: null }, 'cum'),
      'cum · lr1e4; a variant: shares the steps up to 2016 with cum and forks after 2016',
    );
    assert.equal(
      laneDescription({ label: 'x', forkedFrom: null, root: 'continues the published r 2016 checkpoint' }, null),
      'x; continues the published r 2016 checkpoint',
    );
  });

  it('exports the fork as a connector and leaves the inherited step out of the variant lane', () => {
    const long = 'tic_medium/basic/cumulative · a very long variant name that cannot fit the label column at all';
    const scene = buildTimelineScene({
      width: 900,
      dataVolume: [],
      chains: [base, { ...lr, label: long }],
      colors,
    });
    const texts = scene.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    // 2016: the axis, and one node (the parent lane's); the variant lane says where it forks instead.
    assert.equal(texts.filter((t) => t === '2016').length, 2);
    assert.equal(texts.filter((t) => t === '2017').length, 3);
    assert.ok(texts.includes('forks after 2016'));
    const fork = scene.items.filter((i) => i.kind === 'line' && i.stroke === '#a0f');
    assert.equal(fork.length, 4, 'down, across and the two strokes of the arrow head');
    // The long label ends in an ellipsis instead of running into the nodes.
    const name = texts.find((t) => t.startsWith('↳ tic_medium'))!;
    assert.ok(name.endsWith('…') && name.length < long.length, name);
  });

  it('exports the protocol marks and a lane’s compute as the timeline shows them', () => {
    const deviation = {
      check: 'lr',
      expected: '0.0005 (tic_medium)',
      actual: '0.0001',
      severity: 'error' as const,
    };
    const scene = buildTimelineScene({
      width: 1200,
      dataVolume: [],
      chains: [
        {
          key: 'k',
          label: 'tic_medium/basic/cumulative',
          forkedFrom: null,
          steps: [
            step({ year: 2016, protocol: { comparable: true, problems: [] } }),
            step({ year: 2017, protocol: { comparable: false, problems: [deviation] } }),
          ],
          compute: {
            samplesSeen: 36_864_000,
            optimizerSteps: 9000,
            gpuHours: 14.4,
            trainFlops: 1.6e18,
            oracleRatio: 1,
            comparable: false,
          },
        },
      ],
      colors,
    });
    const texts = scene.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    assert.ok(
      texts.some((t) => t.endsWith('✓ protocol')),
      texts.join(' | '),
    );
    assert.ok(
      texts.some((t) => t.endsWith('⚠ 1 deviation')),
      texts.join(' | '),
    );
    assert.ok(
      texts.some((t) => t.startsWith('Σ 36.9M samples')),
      texts.join(' | '),
    );
  });
});
