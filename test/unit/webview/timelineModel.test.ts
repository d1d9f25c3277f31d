import assert from 'node:assert/strict';
import type { StepNodeWire } from '../../../src/protocol/dashboardMessages';
import { exportFileName } from '../../../webview/dashboard/exportName';
import {
  branchLinks,
  branchRoute,
  branchText,
  canEvaluate,
  forkLinks,
  inheritedYears,
  laneDescription,
  laneOrder,
  monthlyLaneDescription,
  monthlyLaneOrder,
  ownMonthSteps,
  ownSteps,
  stepLabel,
  stepSpan,
  svgPathOf,
  timelineYears,
  type LaneChain,
  type MonthlyLaneChain,
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

describe('timeline lanes of monthly chains', () => {
  const yearly = (key: string, forkedFrom: LaneChain['forkedFrom'] = null, inheritedUpTo = 0): LaneChain => ({
    key,
    label: key,
    forkedFrom,
    steps: [2016, 2017, 2018, 2019].map((year) => step({ year, inherited: year <= inheritedUpTo })),
  });
  const cum = yearly('cum');
  const cumLr = yearly('cum@lr', { chain: 'cum', year: 2016 }, 2016);
  const seq = yearly('seq');
  const monthly = (
    key: string,
    branch: MonthlyLaneChain['branch'],
    months = [202001, 202002, 202003],
    forkedFrom: LaneChain['forkedFrom'] = null,
  ): MonthlyLaneChain => ({
    key,
    label: `${key} · monthly`,
    forkedFrom,
    branch,
    steps: months.map((year) => step({ year })),
  });
  const offCum = monthly('cum/monthly', { year: 2019, chain: 'cum', label: 'cumulative 2019' });
  const offSeq = monthly('seq/monthly', { year: 2018, chain: 'seq', label: 'sequential 2018' });
  const offSeqEarlier = monthly('seq/monthly@a', { year: 2017, chain: 'seq', label: 'sequential 2017' });
  const published = monthly(
    'pub/monthly',
    { year: 2022, chain: null, label: 'published apple/TiC-CLIP-basic-sequential 2022' },
    [202301, 202302],
  );
  const unknown = monthly('x/monthly', null);
  const monthlyFork = monthly('cum/monthly@b', offCum.branch, [202002, 202003], { chain: 'cum/monthly', year: 202001 });

  it('orders monthly lanes by the yearly lane they branched off, then the branch year, forks under their parent', () => {
    assert.deepEqual(
      monthlyLaneOrder([unknown, published, offSeq, monthlyFork, offSeqEarlier, offCum], ['cum', 'cum@lr', 'seq']).map(
        (c) => c.key,
      ),
      ['cum/monthly', 'cum/monthly@b', 'seq/monthly@a', 'seq/monthly', 'pub/monthly', 'x/monthly'],
    );
  });

  it('says where a monthly chain branched off, in the lane and in its accessible name', () => {
    assert.equal(branchText(offCum.branch), 'branched off cumulative 2019');
    assert.equal(branchText(null), null);
    assert.equal(
      monthlyLaneDescription({ ...offCum, root: null }, null),
      'cum/monthly · monthly; a monthly chain, branched off cumulative 2019',
    );
    assert.equal(
      monthlyLaneDescription({ ...monthlyFork, root: null }, 'cum/monthly · monthly'),
      'cum/monthly@b · monthly; a variant: shares the steps up to 2020-01 with cum/monthly · monthly and forks after 2020-01; a monthly chain, branched off cumulative 2019',
    );
  });

  it('names a month node 2020-01, never 202001', () => {
    const label = stepLabel('m', step({ year: 202001 }));
    assert.ok(label.startsWith('m step 2020-01: trained,'), label);
    assert.ok(!label.includes('202001'), label);
  });

  it('draws only TiC months: a gap month is never a step', () => {
    const withGap = monthly('g', null, [202201, 202202, 202205]);
    assert.deepEqual(
      ownMonthSteps(withGap).map((s) => s.year),
      [202201, 202205],
    );
  });

  it('links a monthly chain to the yearly node it branched off, following a variant’s shared step to its lane', () => {
    const offShared = monthly('lr/monthly', { year: 2016, chain: 'cum@lr', label: 'cumulative · lr 2016' }, [201701]);
    assert.deepEqual(branchLinks([offCum, offSeq, published, unknown, monthlyFork, offShared], [cum, cumLr, seq]), [
      { monthly: 'cum/monthly', yearly: 'cum', year: 2019, toMonth: 202001 },
      { monthly: 'seq/monthly', yearly: 'seq', year: 2018, toMonth: 202001 },
      { monthly: 'lr/monthly', yearly: 'cum', year: 2016, toMonth: 201701 },
    ]);
    // The yearly lane is not in the snapshot: the words alone tell it.
    assert.deepEqual(branchLinks([offCum], [seq]), []);
  });

  it('routes the branch connector down the gutter after the yearly node into the month node’s top', () => {
    const route = branchRoute(
      { left: 600, right: 700, top: 100, bottom: 140 },
      { left: 650, right: 750, top: 300, bottom: 340 },
    );
    assert.deepEqual(route.points, [700, 120, 704, 120, 704, 294, 664, 294, 664, 295]);
    assert.deepEqual(route.head, [660, 294, 664, 300, 668, 294]);
    assert.equal(svgPathOf([1, 2, 3, 4]), 'M 1 2 L 3 4');
    assert.equal(svgPathOf(route.head, true), 'M 660 294 L 664 300 L 668 294 Z');
  });

  it('exports the month section under the yearly lanes: months for people, gaps hatched, the branch drawn', () => {
    const lanes = [cum, seq];
    const yearlyOnly = buildTimelineScene({ width: 1000, dataVolume: [], chains: lanes, colors });
    assert.deepEqual(
      buildTimelineScene({ width: 1000, dataVolume: [], chains: lanes, monthly: { lanes: [], range: null }, colors }),
      yearlyOnly,
    );

    const scene = buildTimelineScene({
      width: 1000,
      dataVolume: [],
      chains: lanes,
      monthly: { lanes: [offCum], range: { x0: 92, x1: 100 } },
      colors,
    });
    const texts = scene.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    assert.ok(scene.height > yearlyOnly.height);
    assert.ok(texts.includes('Monthly chains, 2021-11 – 2022-06 (8 of 112 months)'), texts.join(' | '));
    assert.ok(texts.includes('branched off cumulative 2019'));
    assert.ok(!texts.some((t) => /\b20\d{4}\b/.test(t)), texts.join(' | '));
    assert.match(
      scene.title,
      /and 1 monthly chain over 2021-11 – 2022-06 \(8 of 112 months\); gaps: 2022-02 – 2022-04$/,
    );

    const around = buildTimelineScene({
      width: 1000,
      dataVolume: [],
      chains: lanes,
      monthly: { lanes: [offCum], range: { x0: 66, x1: 78 } },
      colors,
    });
    const aroundTexts = around.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    for (const m of ['2020-01', '2020-02', '2020-03']) assert.ok(aroundTexts.includes(m), m);
    // The branch: a dashed purple polyline from the yearly 2019 node into the 2020-01 node.
    assert.equal(around.items.filter((i) => i.kind === 'polyline' && i.stroke === '#a0f').length, 1);
    // The yearly year labels stay under the yearly lanes, not at the bottom of the picture.
    const y2019 = around.items.find(
      (i) => i.kind === 'text' && i.text === '2019' && i.anchor === 'middle' && i.fill === '#999',
    );
    const title = around.items.find((i) => i.kind === 'text' && i.text.startsWith('Monthly chains'));
    assert.ok(y2019?.kind === 'text' && title?.kind === 'text' && y2019.y < title.y);
  });

  it('hatches the gaps of the export and draws dense months without words', () => {
    const scene = buildTimelineScene({
      width: 1200,
      dataVolume: [],
      chains: [cum],
      monthly: { lanes: [offCum], range: null },
      colors,
    });
    const texts = scene.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    assert.ok(!texts.includes('2020-01'), 'a dense month node has no words');
    for (const y of ['2014', '2015', '2022', '2023']) assert.ok(texts.includes(y), y);
    assert.match(
      scene.title,
      /gaps: 2014-05 – 2014-06, 2015-09, 2015-12 – 2016-01, 2016-03, 2016-11, 2022-02 – 2022-04$/,
    );
    const hatches = scene.items.filter((i) => i.kind === 'rect' && i.fill === '#999' && i.alpha === 0.12);
    assert.equal(hatches.length, 6);
  });
});
