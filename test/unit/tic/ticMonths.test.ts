import assert from 'node:assert/strict';
import {
  firstMonthAfterYear,
  formatMonth,
  isTicMonth,
  monthsOfYear,
  nextMonth,
  parseMonth,
  previousMonth,
  ticMonths,
} from '../../../src/tic/ticMonths';
import { formatTimeStep, parseTimeStep, timescaleOfStep } from '../../../src/tic/ticTimeStep';

/** generate_tasklist.py's MONTHS, typed by hand from the shared contracts §3.4 (ranges written out). */
const expected = `
201403 201404 201407 201408 201409 201410 201411 201412
201501 201502 201503 201504 201505 201506 201507 201508 201510 201511
201602 201604 201605 201606 201607 201608 201609 201610 201612
201701 201702 201703 201704 201705 201706 201707 201708 201709 201710 201711 201712
201801 201802 201803 201804 201805 201806 201807 201808 201809 201810 201811 201812
201901 201902 201903 201904 201905 201906 201907 201908 201909 201910 201911 201912
202001 202002 202003 202004 202005 202006 202007 202008 202009 202010 202011 202012
202101 202102 202103 202104 202105 202106 202107 202108 202109 202110 202111 202112
202201 202205 202206 202207 202208 202209 202210 202211 202212
202301 202302 202303 202304 202305 202306
`
  .trim()
  .split(/\s+/)
  .map(Number);

describe('TiC months (contracts §3.4)', () => {
  it('are the 102 months of generate_tasklist.py, in order, gaps included', () => {
    assert.equal(expected.length, 102);
    assert.equal(ticMonths.length, 102);
    assert.deepEqual([...ticMonths], expected);
  });

  it('knows the gaps: 201405, 201509, 201601, 202202…202204 are not months', () => {
    for (const gap of [201405, 201406, 201509, 201512, 201601, 201603, 201611, 202202, 202203, 202204, 202307]) {
      assert.equal(isTicMonth(gap), false, String(gap));
    }
    for (const month of [201403, 201612, 202201, 202306]) assert.equal(isTicMonth(month), true, String(month));
    assert.equal(isTicMonth(2017), false, 'a year is not a month');
  });

  it('steps to the next and previous month across gaps and years', () => {
    assert.equal(nextMonth(201612), 201701);
    assert.equal(nextMonth(202201), 202205);
    assert.equal(nextMonth(201404), 201407);
    assert.equal(nextMonth(202212), 202301);
    assert.equal(nextMonth(202306), null);
    assert.equal(nextMonth(201405), 201407, 'from a gap: the first month after it');
    assert.equal(previousMonth(202205), 202201);
    assert.equal(previousMonth(201701), 201612);
    assert.equal(previousMonth(201403), null);
  });

  it('lists a year’s months and the first month after a yearly step', () => {
    assert.deepEqual(monthsOfYear(2016), [201602, 201604, 201605, 201606, 201607, 201608, 201609, 201610, 201612]);
    assert.deepEqual(monthsOfYear(2023), [202301, 202302, 202303, 202304, 202305, 202306]);
    assert.deepEqual(monthsOfYear(2013), []);
    assert.equal(firstMonthAfterYear(2022), 202301);
    assert.equal(firstMonthAfterYear(2016), 201701);
    assert.equal(firstMonthAfterYear(2023), null);
  });

  it('formats and parses months for people', () => {
    assert.equal(formatMonth(201703), '2017-03');
    assert.equal(formatMonth(202212), '2022-12');
    assert.equal(parseMonth('2017-03'), 201703);
    assert.equal(parseMonth('201703'), 201703);
    assert.equal(parseMonth('2014-05'), null, 'a gap is not parsed into a month');
    assert.equal(parseMonth('2017-3'), null);
    assert.equal(parseMonth('2017'), null);
  });
});

describe('TiC time steps', () => {
  it('are years (4 digits) or months (YYYYMM)', () => {
    assert.equal(timescaleOfStep(2017), 'yearly');
    assert.equal(timescaleOfStep(201703), 'monthly');
    assert.equal(timescaleOfStep(201713), null);
    assert.equal(timescaleOfStep(20170), null);
    assert.equal(parseTimeStep('2022'), 2022);
    assert.equal(parseTimeStep('2022-12'), 202212);
    assert.equal(parseTimeStep('202212'), 202212);
    assert.equal(parseTimeStep('202202'), null, 'a gap');
    assert.equal(parseTimeStep('22'), null);
    assert.equal(formatTimeStep(2022), '2022');
    assert.equal(formatTimeStep(202301), '2023-01');
  });
});
