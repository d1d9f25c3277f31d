import assert from 'node:assert/strict';
import { ticMonths } from '../../../src/tic/ticMonths';
import {
  defaultMonthRange,
  gapText,
  isDenseMonthView,
  monthColumnIndex,
  monthColumns,
  monthExtent,
  monthGapRuns,
  monthRangeText,
  monthTicks,
  monthYearSpans,
  snapMonthRange,
  visibleMonthColumns,
} from '../../../webview/dashboard/monthAxis';
import { panRange, zoomRange } from '../../../webview/shared/zoomRange';

const months = (range: Parameters<typeof visibleMonthColumns>[0]): number[] =>
  visibleMonthColumns(range).map((c) => c.month);

describe('the timeline month axis', () => {
  it('has a column per calendar month from 2014-03 to 2023-06, the TiC months in order', () => {
    assert.equal(monthColumns.length, 112);
    assert.equal(monthColumns[0]!.month, 201403);
    assert.equal(monthColumns.at(-1)!.month, 202306);
    assert.deepEqual(
      monthColumns.filter((c) => !c.gap).map((c) => c.month),
      [...ticMonths],
    );
    monthColumns.forEach((c, i) => assert.equal(c.index, i));
    assert.deepEqual(monthExtent, { x0: 0, x1: 112 });
  });

  it('marks the months without TiC data as gaps, and only those', () => {
    assert.deepEqual(
      monthColumns.filter((c) => c.gap).map((c) => c.month),
      [201405, 201406, 201509, 201512, 201601, 201603, 201611, 202202, 202203, 202204],
    );
  });

  it('places a month at its calendar column, and nothing off the axis', () => {
    assert.equal(monthColumnIndex(201403), 0);
    assert.equal(monthColumnIndex(201405), 2);
    assert.equal(monthColumnIndex(201701), 34);
    assert.equal(monthColumnIndex(202001), 70);
    assert.equal(monthColumnIndex(202306), 111);
    for (const off of [201402, 202307, 201913, 201900, 2019, 0]) assert.equal(monthColumnIndex(off), -1, String(off));
  });

  it('opens on the chains’ months with context, at least nine months wide', () => {
    // The demo's 2020-01…2020-03 and three months of context each side.
    assert.deepEqual(
      months(defaultMonthRange([202001, 202002, 202003])),
      [201910, 201911, 201912, 202001, 202002, 202003, 202004, 202005, 202006],
    );
    // A single month: widened to nine columns around it.
    assert.deepEqual(
      months(defaultMonthRange([202001])),
      [201909, 201910, 201911, 201912, 202001, 202002, 202003, 202004, 202005],
    );
    // A long chain: its months and three either side.
    const long = defaultMonthRange([201901, 202012]);
    assert.deepEqual(long, { x0: monthColumnIndex(201810), x1: monthColumnIndex(202103) + 1 });
    // At the end of the axis the range stays inside it.
    assert.deepEqual(months(defaultMonthRange([202306])).at(-1), 202306);
    assert.equal(months(defaultMonthRange([202306])).length, 9);
    // No months: every month.
    assert.equal(defaultMonthRange([]), null);
    assert.equal(months(null).length, 112);
  });

  it('zooms and pans with the shared helpers, snapped to whole months, never under three', () => {
    const view = defaultMonthRange([202001, 202002, 202003]);
    const zoomedIn = snapMonthRange(zoomRange(view, monthExtent, 0.5, 0.5, 'linear'));
    assert.deepEqual(months(zoomedIn), [201912, 202001, 202002, 202003, 202004]);
    const tiny = snapMonthRange(zoomRange(zoomedIn, monthExtent, 0.1, 0.5, 'linear'));
    assert.equal(months(tiny).length, 3);
    const later = snapMonthRange(panRange(view, monthExtent, 0.5, 'linear'));
    assert.equal(months(later)[0], 202003);
    // Zooming out far enough shows everything: the range becomes null.
    assert.equal(snapMonthRange(zoomRange(view, monthExtent, 100, 0.5, 'linear')), null);
    assert.equal(snapMonthRange({ x0: -5, x1: 2 })?.x0, 0);
    assert.deepEqual(snapMonthRange({ x0: 111, x1: 112 }), { x0: 109, x1: 112 });
  });

  it('labels every month while roomy and only the years when dense', () => {
    const roomy = visibleMonthColumns({ x0: monthColumnIndex(201909), x1: monthColumnIndex(202008) + 1 });
    assert.ok(!isDenseMonthView(roomy));
    const ticks = monthTicks(roomy);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['09', '10', '11', '12', '01', '02', '03', '04', '05', '06', '07', '08'],
    );
    assert.deepEqual(
      ticks.flatMap((t, i) => (t.major ? [roomy[i]!.month] : [])),
      [201909, 202001],
    );
    assert.deepEqual(monthYearSpans(roomy), [
      { year: 2019, from: 0, to: 4 },
      { year: 2020, from: 4, to: 12 },
    ]);

    // Twelve months are roomy at 72 px a month or more; in a narrower panel their nodes lose their words.
    assert.ok(!isDenseMonthView(roomy, 864));
    assert.ok(isDenseMonthView(roomy, 800));
    assert.ok(isDenseMonthView(visibleMonthColumns({ x0: 0, x1: 15 }), 5000));
    const all = visibleMonthColumns(null);
    assert.ok(isDenseMonthView(all));
    const dense = monthTicks(all);
    assert.ok(dense.every((t) => t.label === null));
    // A major tick where each year starts in view: 2014-03, then every January, 2016 included (its January is a gap).
    assert.deepEqual(
      dense.flatMap((t, i) => (t.major ? [all[i]!.month] : [])),
      [201403, 201501, 201601, 201701, 201801, 201901, 202001, 202101, 202201, 202301],
    );
    assert.deepEqual(
      monthYearSpans(all).map((s) => [s.year, s.to - s.from]),
      [
        [2014, 10],
        [2015, 12],
        [2016, 12],
        [2017, 12],
        [2018, 12],
        [2019, 12],
        [2020, 12],
        [2021, 12],
        [2022, 12],
        [2023, 6],
      ],
    );
  });

  it('groups neighbouring gap months into one band with its words', () => {
    const around2022 = visibleMonthColumns({ x0: monthColumnIndex(202112), x1: monthColumnIndex(202206) + 1 });
    assert.deepEqual(monthGapRuns(around2022), [{ from: 2, to: 5, months: [202202, 202203, 202204] }]);
    assert.equal(
      gapText([202202, 202203, 202204]),
      '2022-02 – 2022-04: no TiC-DataComp data (a gap in the monthly splits)',
    );
    assert.equal(gapText([201509]), '2015-09: no TiC-DataComp data (a gap in the monthly splits)');
    assert.deepEqual(
      monthGapRuns(visibleMonthColumns(null)).map((r) => r.months.length),
      [2, 1, 2, 1, 1, 3],
    );
    assert.deepEqual(monthGapRuns(visibleMonthColumns(defaultMonthRange([202001]))), []);
  });

  it('says what the section shows in months for people', () => {
    assert.equal(
      monthRangeText(visibleMonthColumns(defaultMonthRange([202001]))),
      '2019-09 – 2020-05 (9 of 112 months)',
    );
    assert.equal(monthRangeText(visibleMonthColumns(null)), '2014-03 – 2023-06 (112 of 112 months)');
  });
});
