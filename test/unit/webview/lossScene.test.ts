import assert from 'node:assert/strict';
import { ticMonths } from '../../../src/tic/ticMonths';
import { stepAt } from '../../../webview/dashboard/lossLabels';
import {
  buildLossScene,
  stepMarkerLabels,
  type LossSceneInput,
  type LossSceneSeries,
} from '../../../webview/dashboard/lossScene';
import type { PolylineItem, TextItem } from '../../../webview/shared/chartScene';

const colors = {
  foreground: '#cccccc',
  background: '#1f1f1f',
  muted: '#9d9d9d',
  border: '#454545',
  series: ['#3794ff', '#d18616'],
  fontFamily: 'sans-serif',
  fontSize: 13,
  highContrast: false,
};

function series(partial: Partial<LossSceneSeries> = {}): LossSceneSeries {
  return {
    chain: 'tic/basic/cumulative',
    colorIndex: 0,
    x: [0, 10, 20, 30, 40],
    y: [4, 3, NaN, 2, 1],
    smoothed: null,
    stepStarts: [
      { year: 2016, x: 0 },
      { year: 2017, x: 20 },
    ],
    total: 5,
    ...partial,
  };
}

function input(partial: Partial<LossSceneInput> = {}): LossSceneInput {
  return {
    width: 600,
    height: 300,
    series: [series()],
    field: 'loss',
    axis: 'samples',
    xKind: 'linear',
    yKind: 'linear',
    view: null,
    extent: { x0: 0, x1: 40 },
    colors,
    ...partial,
  };
}

const polylines = (items: { kind: string }[]): PolylineItem[] =>
  items.filter((i): i is PolylineItem => i.kind === 'polyline');
const texts = (items: { kind: string }[]): string[] =>
  items.filter((i): i is TextItem => i.kind === 'text').map((t) => t.text);

describe('loss chart scene', () => {
  it('draws one line per chain that breaks at NaN, and counts its points', () => {
    const r = buildLossScene(input());
    const [line] = polylines(r.scene.items);
    assert.ok(line);
    assert.equal(line.clip, true);
    const pts = Array.from(line.points);
    assert.equal(pts.length, 10);
    assert.ok(Number.isNaN(pts[4]!));
    assert.equal(r.pointsDrawn, 4);
  });

  it('draws raw faint and smoothed strong when there is a smoothed series', () => {
    const r = buildLossScene(input({ series: [series({ smoothed: [4, 3.5, NaN, 2.5, 2] })] }));
    const [raw, smooth] = polylines(r.scene.items);
    assert.ok(raw!.alpha! < 0.5);
    assert.ok(smooth!.width > raw!.width);
  });

  it('marks every step start with a dashed line labelled with its year', () => {
    const r = buildLossScene(input());
    const labels = texts(r.scene.items);
    assert.ok(labels.includes('2016') && labels.includes('2017'));
    const dashed = r.scene.items.filter((i) => i.kind === 'line' && i.dash?.length);
    assert.equal(dashed.length, 2);
    assert.match(r.scene.title, /training steps start at 2016, 2017/);
  });

  it('leaves out non-positive values on a log y axis instead of breaking the line', () => {
    const r = buildLossScene(input({ yKind: 'log', series: [series({ y: [4, 0, -1, 2, 1] })] }));
    const pts = Array.from(polylines(r.scene.items)[0]!.points);
    assert.equal(pts.length, 6);
    assert.ok(pts.every(Number.isFinite));
    assert.equal(r.yScale.kind, 'log');
  });

  it('shows only the zoomed x range and scales y to the points in it', () => {
    const r = buildLossScene(input({ view: { x0: 25, x1: 40 } }));
    assert.deepEqual(r.xDomain, [25, 40]);
    const [y0, y1] = r.yScale.effectiveDomain;
    assert.ok(y0 < 1 && y1 > 2 && y1 < 3, `${y0} ${y1}`);
    assert.equal(r.pointsDrawn, 2);
  });

  it('starts a log x axis at the smallest positive x when the extent starts at 0', () => {
    const r = buildLossScene(input({ xKind: 'log' }));
    assert.deepEqual(r.xDomain, [10, 40]);
  });

  it('labels time ticks as dates', () => {
    const t0 = Date.UTC(2024, 0, 1);
    const day = 86_400_000;
    const r = buildLossScene(
      input({
        axis: 'time',
        series: [series({ x: [t0, t0 + day, t0 + 2 * day, t0 + 3 * day, t0 + 4 * day], stepStarts: [] })],
        extent: { x0: t0, x1: t0 + 4 * day },
      }),
    );
    assert.ok(
      texts(r.scene.items).some((t) => /^2024-01-0\d$/.test(t)),
      texts(r.scene.items).join('|'),
    );
  });

  it('says so when a chain has no losses, or when no chain is selected', () => {
    const empty = series({ chain: 'empty/chain', x: [], y: [], stepStarts: [], total: 0 });
    assert.ok(
      texts(buildLossScene(input({ series: [series(), empty] })).scene.items).includes(
        'No losses logged yet: empty/chain',
      ),
    );
    assert.ok(
      texts(buildLossScene(input({ series: [empty], extent: null })).scene.items).includes(
        'No loss values logged yet for the selected chains.',
      ),
    );
    assert.ok(texts(buildLossScene(input({ series: [] })).scene.items).includes('Select a chain to plot its losses.'));
  });

  it('puts each chain in the legend with its colour', () => {
    const r = buildLossScene(input({ series: [series(), series({ chain: 'other', colorIndex: 1 })] }));
    assert.ok(texts(r.scene.items).includes('other'));
    assert.deepEqual(
      polylines(r.scene.items).map((p) => p.stroke),
      ['#3794ff', '#d18616'],
    );
  });

  it('labels the steps of a monthly chain 2020-01, one marker per month, never 202001', () => {
    const r = buildLossScene(
      input({
        series: [
          series({
            chain: 'tic/basic/sequential · monthly',
            stepStarts: [
              { year: 202001, x: 0 },
              { year: 202002, x: 15 },
              { year: 202003, x: 30 },
            ],
          }),
        ],
      }),
    );
    const labels = texts(r.scene.items);
    for (const m of ['2020-01', '2020-02', '2020-03']) assert.ok(labels.includes(m), labels.join('|'));
    assert.ok(!labels.some((t) => /^\d{6}$/.test(t)), labels.join('|'));
    assert.match(r.scene.title, /training steps start at 2020-01, 2020-02, 2020-03$/);
    const markers = r.scene.items.filter((i) => i.kind === 'line' && i.dash?.length);
    assert.equal(markers.length, 3);
  });

  it('labels dense months per year: the first month of each year, the others ticks', () => {
    // 2019-01 … 2023-06 (the gaps of 2022 left out, as the TiC months are) over 600 pixels: 12 px a month.
    const months = ticMonths.filter((m) => m >= 201901);
    const marks = stepMarkerLabels(
      months.map((year, i) => ({ year, px: 60 + i * 12 })),
      11,
    );
    assert.deepEqual(
      marks.flatMap((m) => (m.label === null ? [] : [m.label])),
      ['2019-01', '2020-01', '2021-01', '2022-01', '2023-01'],
    );
    assert.deepEqual(
      months.filter((_, i) => marks[i]!.major),
      [201901, 202001, 202101, 202201, 202301],
    );
    // A chain starting mid-year: its first month labels that year.
    const late = stepMarkerLabels(
      [201911, 201912, 202001, 202002].map((year, i) => ({ year, px: i * 30 })),
      11,
    );
    assert.deepEqual(
      late.map((m) => m.label),
      ['2019-11', null, '2020-01', null],
    );
    // Room for every month: each labelled and a full marker.
    const roomy = stepMarkerLabels(
      [202001, 202002, 202003].map((year, i) => ({ year, px: i * 100 })),
      11,
    );
    assert.deepEqual(
      roomy.map((m) => [m.label, m.major]),
      [
        ['2020-01', true],
        ['2020-02', true],
        ['2020-03', true],
      ],
    );
    // Years as before: every one a full marker, a label where it does not run into the last (34 px).
    assert.deepEqual(
      stepMarkerLabels(
        [2016, 2017, 2018].map((year, i) => ({ year, px: i * 20 })),
        11,
      ).map((m) => [m.label, m.major]),
      [
        ['2016', true],
        [null, true],
        ['2018', true],
      ],
    );
  });

  it('reads out the step a point belongs to, as people write it', () => {
    const starts = [
      { year: 202001, x: 0 },
      { year: 202002, x: 15 },
    ];
    assert.equal(stepAt(starts, 14), '2020-01');
    assert.equal(stepAt(starts, 15), '2020-02');
    assert.equal(stepAt(starts, -1), null);
    assert.equal(stepAt([{ year: 2019, x: 0 }], 3), '2019');
    assert.equal(stepAt([], 3), null);
  });

  it('names the step under the left edge when it started further left (before the first logged point, or zoomed)', () => {
    const monthly = series({
      x: [5, 10, 20, 30, 40],
      y: [4, 3, 2.5, 2, 1],
      stepStarts: [
        { year: 202001, x: 0 },
        { year: 202002, x: 15 },
      ],
    });
    const r = buildLossScene(input({ series: [monthly], extent: { x0: 5, x1: 40 } }));
    assert.ok(texts(r.scene.items).includes('2020-01'), texts(r.scene.items).join('|'));
    assert.match(r.scene.title, /training steps start at 2020-01, 2020-02/);
    // A line only where a step starts inside the plot.
    assert.equal(r.scene.items.filter((i) => i.kind === 'line' && i.dash?.length).length, 1);
    const zoomed = buildLossScene(input({ series: [monthly], extent: { x0: 5, x1: 40 }, view: { x0: 20, x1: 40 } }));
    assert.ok(texts(zoomed.scene.items).includes('2020-02'));
    assert.ok(!texts(zoomed.scene.items).includes('2020-01'));
  });
});
