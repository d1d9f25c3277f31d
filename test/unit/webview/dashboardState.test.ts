import assert from 'node:assert/strict';
import {
  clampSmoothing,
  defaultDashboardState,
  restoreDashboardState,
} from '../../../webview/dashboard/dashboardState';

describe('dashboard state', () => {
  it('round-trips a saved state', () => {
    const state = {
      ...defaultDashboardState(),
      tab: 'losses' as const,
      chains: ['a', 'b'],
      field: 'lr' as const,
      axis: 'time' as const,
      xLog: true,
      yLog: true,
      smoothing: 0.9,
      emaPerStep: false,
      followLatest: true,
      zoom: { x0: 1, x1: 2 },
      metric: 'retrieval/mean_recall@1',
      diffA: 'a',
      diffB: 'b',
      expanded: ['a'],
      monthlyColumns: { 'tic_medium/basic/sequential/monthly': 2020 },
    };
    assert.deepEqual(restoreDashboardState(JSON.parse(JSON.stringify(state))), state);
  });

  it('defaults what is missing or invalid, field by field', () => {
    const restored = restoreDashboardState({
      tab: 'nope',
      field: 'accuracy',
      axis: 'time',
      smoothing: 5,
      zoom: { x0: 3, x1: 1 },
      chains: [1, 'a'],
    });
    assert.equal(restored.tab, 'timeline');
    assert.equal(restored.field, 'loss');
    assert.equal(restored.axis, 'time');
    assert.equal(restored.smoothing, 0.99);
    assert.equal(restored.emaPerStep, true, 'the EMA restarts at each step by default');
    assert.equal(restored.followLatest, false);
    assert.equal(restored.zoom, null);
    assert.deepEqual(restored.chains, ['a']);
  });

  it("keeps a monthly chain's drill-down year only when it is a whole year", () => {
    const restored = restoreDashboardState({
      monthlyColumns: { a: 2020, b: '2020', c: 2020.5, d: 1e9, e: null, ['x'.repeat(2000)]: 2020 },
    });
    assert.deepEqual(restored.monthlyColumns, { a: 2020 });
    assert.deepEqual(restoreDashboardState({ monthlyColumns: [2020] }).monthlyColumns, {});
    const proto = restoreDashboardState(JSON.parse('{"monthlyColumns": {"__proto__": 2020}}') as unknown);
    assert.deepEqual(Object.keys(proto.monthlyColumns), []);
  });

  it('starts fresh from garbage', () => {
    for (const garbage of [undefined, null, 42, 'x', []])
      assert.deepEqual(restoreDashboardState(garbage), defaultDashboardState());
  });

  it('keeps smoothing in 0…0.99', () => {
    assert.equal(clampSmoothing(-1), 0);
    assert.equal(clampSmoothing(1), 0.99);
    assert.equal(clampSmoothing(0.456), 0.46);
    assert.equal(clampSmoothing(NaN), 0);
  });
});
