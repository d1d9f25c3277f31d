import assert from 'node:assert/strict';
import { parseDashboardMessage, parseHostMessage, ProtocolError } from '../../../src/protocol/dashboardMessages';
import { stepNodeWire } from '../../support/stepNodeWire';
import { ticMonths } from '../../../src/tic/ticMonths';

const losses = {
  type: 'requestLosses',
  requestId: 7,
  chains: ['tic_medium/basic/cumulative'],
  field: 'loss',
  axis: 'samples',
  x0: null,
  x1: 1e9,
  buckets: 800,
  smoothing: 0.6,
};

describe('dashboard protocol validation', () => {
  it('accepts the requests of the dashboard as they are', () => {
    assert.deepEqual(parseDashboardMessage(losses), losses);
    assert.deepEqual(parseDashboardMessage({ type: 'reveal', chain: 'c', year: 2017 }), {
      type: 'reveal',
      chain: 'c',
      year: 2017,
    });
    const exported = { type: 'export', requestId: 3, format: 'csv', name: 'cumulative mean_recall@1.csv', data: 'a,b' };
    assert.deepEqual(parseDashboardMessage(exported), exported);
  });

  it('accepts the ready handshake and log messages', () => {
    assert.deepEqual(parseDashboardMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseDashboardMessage({ type: 'log', level: 'warn', text: 'x' }), {
      type: 'log',
      level: 'warn',
      text: 'x',
    });
  });

  const hostile: unknown[] = [
    null,
    undefined,
    42,
    'ready',
    [],
    { type: 'ready', extra: 1 },
    { type: 'log', level: 'debug', text: 'x' },
    { type: 'log', level: 'info', text: 'x'.repeat(10000) },
    { type: 'log', level: 'info', text: { toString: () => 'x' } },
    { type: 'runCommand', command: 'workbench.action.terminal.new' },
    { type: '__proto__' },
    JSON.parse('{"__proto__": {"type": "ready"}}'),
    { ...losses, requestId: -1 },
    { ...losses, requestId: 1.5 },
    { ...losses, field: 'constructor' },
    { ...losses, axis: 'epochs' },
    { ...losses, buckets: 1e9 },
    { ...losses, smoothing: 1 },
    { ...losses, smoothing: NaN },
    { ...losses, x0: Infinity },
    { ...losses, chains: 'tic_medium/basic/cumulative' },
    { ...losses, chains: Array.from({ length: 10_000 }, () => 'x') },
    { ...losses, command: 'workbench.action.terminal.new' },
    { type: 'reveal', chain: 'a', year: '2017' },
    { type: 'reveal', chain: 'a', year: 20170 },
    { type: 'evaluate', chain: { key: 'a' }, year: 2017 },
    { type: 'export', requestId: 1, format: 'html', name: 'x', data: '' },
    { type: 'export', requestId: 1, format: 'csv', name: '../../.bashrc', data: '' },
    { type: 'export', requestId: 1, format: 'csv', name: '.bashrc', data: '' },
    { type: 'export', requestId: 1, format: 'csv', name: 'a/b', data: '' },
    { type: 'export', requestId: 1, format: 'png', name: 'x', data: 'x'.repeat(40 * 1024 * 1024) },
    { type: 'painted', requestId: 1, ms: 'fast' },
  ];
  hostile.forEach((raw, i) => {
    it(`drops hostile message #${i} from the webview`, () => {
      assert.ok(parseDashboardMessage(raw) instanceof ProtocolError);
    });
  });

  it('validates host messages in the webview too', () => {
    assert.deepEqual(parseHostMessage({ type: 'init', version: '1', workspaceName: null, trusted: false }), {
      type: 'init',
      version: '1',
      workspaceName: null,
      trusted: false,
    });
    assert.ok(
      parseHostMessage({ type: 'init', version: 1, workspaceName: null, trusted: false }) instanceof ProtocolError,
    );
    assert.ok(
      parseHostMessage({ type: 'init', version: '1', workspaceName: 3, trusted: false }) instanceof ProtocolError,
    );
  });

  it('turns null points of a loss series (NaN in JSON) into gaps and checks the lengths', () => {
    const series = {
      chain: 'c',
      x: [0, 1, 2],
      y: [1, null, 3],
      smoothed: null,
      stepStarts: [],
      extent: [0, 2],
      total: 3,
    };
    const ok = parseHostMessage({ type: 'losses', requestId: 1, field: 'loss', axis: 'samples', series: [series] });
    assert.ok(!(ok instanceof ProtocolError));
    assert.ok(ok.type === 'losses' && Number.isNaN(ok.series[0]!.y[1]));
    const bad = { ...series, y: [1, 2] };
    assert.ok(
      parseHostMessage({ type: 'losses', requestId: 1, field: 'loss', axis: 'samples', series: [bad] }) instanceof
        ProtocolError,
    );
  });

  it('refuses a matrix whose rows and values do not agree', () => {
    const chain = (values: unknown) => ({
      key: 'k',
      label: 'k',
      strategy: 'cumulative',
      variant: null,
      forkedFrom: null,
      root: null,
      steps: [],
      matrices: [{ family: 'retrieval', metric: 'mean_recall@1', rows: [2016], columns: [2014, 2015], values }],
      transfer: [],
      imagenet: [],
      otherTasks: [],
    });
    const snapshot = (values: unknown) => ({
      type: 'snapshot',
      firstStep: 'merge',
      dataVolume: [],
      chains: [chain(values)],
      notice: null,
    });
    assert.ok(!(parseHostMessage(snapshot([[0.5, null]])) instanceof ProtocolError));
    assert.ok(parseHostMessage(snapshot([[0.5]])) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot([[0.5, '<img src=x>']])) instanceof ProtocolError);
    assert.ok(
      parseHostMessage(
        snapshot([
          [0.5, null],
          [1, 1],
        ]),
      ) instanceof ProtocolError,
    );
  });

  it('refuses a chain without a label, or with a fork that names no year', () => {
    const snapshot = (over: Record<string, unknown>) => ({
      type: 'snapshot',
      firstStep: 'merge',
      dataVolume: [],
      chains: [
        {
          key: 'k@v',
          label: 'k · v',
          strategy: 'cumulative',
          variant: 'v',
          forkedFrom: { chain: 'k', year: 2016 },
          root: null,
          steps: [],
          matrices: [],
          transfer: [],
          imagenet: [],
          otherTasks: [],
          ...over,
        },
      ],
      notice: null,
    });
    assert.ok(!(parseHostMessage(snapshot({})) instanceof ProtocolError));
    assert.ok(parseHostMessage(snapshot({ label: undefined })) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot({ forkedFrom: { chain: 'k' } })) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot({ variant: 42 })) instanceof ProtocolError);
  });
  it('accepts the optional cell counts of a transfer summary, and refuses counts that are not whole numbers ≥ 0', () => {
    const transfer = (over: Record<string, unknown>) => ({
      family: 'retrieval',
      metric: 'mean_recall@1',
      backward: 0.5,
      id: 0.6,
      forward: 0.4,
      perStep: [],
      ...over,
    });
    const snapshot = (t: unknown) => ({
      type: 'snapshot',
      firstStep: 'merge',
      dataVolume: [],
      chains: [
        {
          key: 'k',
          label: 'k',
          strategy: 'cumulative',
          variant: null,
          forkedFrom: null,
          root: null,
          steps: [],
          matrices: [],
          transfer: [t],
          imagenet: [],
          otherTasks: [],
        },
      ],
      notice: null,
    });
    const counts = { cells: { id: 3, backward: 3, forward: 15 }, fullCells: { id: 7, backward: 21, forward: 21 } };
    const ok = parseHostMessage(snapshot(transfer(counts)));
    assert.ok(!(ok instanceof ProtocolError) && ok.type === 'snapshot');
    assert.deepEqual(ok.chains[0]!.transfer[0]!.cells, counts.cells);
    assert.deepEqual(ok.chains[0]!.transfer[0]!.fullCells, counts.fullCells);
    // An older host sends neither: still a snapshot, without the counts.
    const old = parseHostMessage(snapshot(transfer({})));
    assert.ok(!(old instanceof ProtocolError) && old.type === 'snapshot');
    assert.equal('cells' in old.chains[0]!.transfer[0]!, false);
    for (const bad of [{ id: -1, backward: 0, forward: 0 }, { id: 1.5, backward: 0, forward: 0 }, { id: 1 }, 'many'])
      assert.ok(parseHostMessage(snapshot(transfer({ cells: bad }))) instanceof ProtocolError, JSON.stringify(bad));
  });
  it("accepts a step's protocol report and a chain's compute, and refuses a bad severity or a negative amount", () => {
    const snapshot = (step: Record<string, unknown>, compute: unknown) => ({
      type: 'snapshot',
      firstStep: 'merge',
      dataVolume: [],
      chains: [
        {
          key: 'k',
          label: 'k',
          strategy: 'cumulative',
          variant: null,
          forkedFrom: null,
          root: null,
          steps: [stepNodeWire({ experiment: '/r/e', expName: 'e', ...step })],
          matrices: [],
          transfer: [],
          imagenet: [],
          otherTasks: [],
          ...(compute === undefined ? {} : { compute }),
        },
      ],
      notice: null,
    });
    const protocol = {
      comparable: false,
      problems: [{ check: 'lr', expected: '0.0005 (tic_medium)', actual: '0.0001', severity: 'error' }],
    };
    const compute = {
      samplesSeen: 18432000,
      optimizerSteps: 4500,
      gpuHours: null,
      trainFlops: null,
      oracleRatio: 0.25,
      comparable: false,
    };
    const ok = parseHostMessage(snapshot({ protocol }, compute));
    assert.ok(!(ok instanceof ProtocolError) && ok.type === 'snapshot');
    assert.deepEqual(ok.chains[0]!.steps[0]!.protocol, protocol);
    assert.deepEqual(ok.chains[0]!.compute, compute);
    const old = parseHostMessage(snapshot({}, undefined));
    assert.ok(!(old instanceof ProtocolError) && old.type === 'snapshot');
    assert.equal('protocol' in old.chains[0]!.steps[0]!, false);
    assert.equal('compute' in old.chains[0]!, false);
    const badSeverity = { ...protocol, problems: [{ ...protocol.problems[0], severity: 'fatal' }] };
    assert.ok(parseHostMessage(snapshot({ protocol: badSeverity }, undefined)) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot({ protocol: { problems: [] } }, undefined)) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot({}, { ...compute, gpuHours: -1 })) instanceof ProtocolError);
    assert.ok(parseHostMessage(snapshot({}, { ...compute, samplesSeen: '18M' })) instanceof ProtocolError);
  });

  describe('monthly chains (issue 19)', () => {
    const years = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023];
    const monthlyChain = (over: Record<string, unknown> = {}) => ({
      key: 'tic_medium/basic/sequential/monthly',
      label: 'tic_medium/basic/sequential/monthly',
      strategy: 'sequential',
      variant: null,
      forkedFrom: null,
      root: null,
      steps: [stepNodeWire({ year: 202001 }), stepNodeWire({ year: 202002, experiment: null, expName: null })],
      matrices: [
        {
          family: 'retrieval',
          metric: 'mean_recall@1',
          rows: [202001, 202002],
          columns: [...ticMonths],
          values: [ticMonths.map(() => 0.3), ticMonths.map(() => null)],
        },
      ],
      transfer: [
        {
          family: 'retrieval',
          metric: 'mean_recall@1',
          backward: 0.3,
          id: 0.3,
          forward: 0.3,
          perStep: [{ year: 202001, backward: 0.3, id: 0.3, forward: 0.3 }],
          cells: { id: 1, backward: 63, forward: 38 },
          fullCells: { id: 2, backward: 127, forward: 75 },
        },
      ],
      imagenet: [{ year: 202001, top1: 0.17, top5: 0.35, source: 'trainingZeroShot' }],
      otherTasks: [{ year: 202001, key: 'imagenet1k', dataset: 'ImageNet 1k', value: 0.2 }],
      timescale: 'monthly',
      branch: { year: 2019, chain: 'tic_medium/basic/cumulative', label: 'cumulative 2019' },
      rollup: [
        {
          family: 'retrieval',
          metric: 'mean_recall@1',
          rows: [202001, 202002],
          columns: years,
          values: [years.map(() => 0.3), years.map(() => null)],
        },
      ],
      ...over,
    });
    const yearlyChain = (over: Record<string, unknown> = {}) => ({
      key: 'k',
      label: 'k',
      strategy: 'cumulative',
      variant: null,
      forkedFrom: null,
      root: null,
      steps: [stepNodeWire()],
      matrices: [],
      transfer: [],
      imagenet: [],
      otherTasks: [],
      ...over,
    });
    const snapshot = (monthlyChains: unknown[], chains: unknown[] = [yearlyChain()]) => ({
      type: 'snapshot',
      firstStep: 'merge',
      dataVolume: [],
      chains,
      monthlyChains,
      notice: null,
    });
    const refused = (raw: unknown, why: string) =>
      assert.ok(parseHostMessage(raw) instanceof ProtocolError, `accepted ${why}`);

    it('accepts a monthly chain with month steps, 102 eval-month columns, a branch and a roll-up', () => {
      const ok = parseHostMessage(snapshot([monthlyChain()]));
      assert.ok(!(ok instanceof ProtocolError), ok instanceof ProtocolError ? ok.detail : '');
      assert.ok(ok.type === 'snapshot');
      assert.deepEqual(ok.monthlyChains, [monthlyChain()]);
      // A snapshot of an older host has no monthly chains and still validates, without the field.
      const { monthlyChains: _none, ...old } = snapshot([]);
      const parsed = parseHostMessage(old);
      assert.ok(!(parsed instanceof ProtocolError) && parsed.type === 'snapshot' && !('monthlyChains' in parsed));
      // A yearly chain may say it is yearly; a branch may be unknown.
      assert.ok(!(parseHostMessage(snapshot([], [yearlyChain({ timescale: 'yearly' })])) instanceof ProtocolError));
      assert.ok(!(parseHostMessage(snapshot([monthlyChain({ branch: null })])) instanceof ProtocolError));
    });

    it('refuses a month that is not a TiC month, and a year where a month belongs', () => {
      // 2022-02 is a gap of the TiC months (contracts §3.4), 2023-07 is after the last, 202013 no month at all.
      for (const bad of [202202, 202307, 202013, 2020, 20201])
        refused(snapshot([monthlyChain({ steps: [stepNodeWire({ year: bad })] })]), `step ${bad}`);
      refused(snapshot([monthlyChain({ forkedFrom: { chain: 'x', year: 2019 } })]), 'a fork at a year');
      const matrix = monthlyChain().matrices[0]!;
      refused(snapshot([monthlyChain({ matrices: [{ ...matrix, rows: [2020, 202002] }] })]), 'a year row');
      refused(
        snapshot([monthlyChain({ matrices: [{ ...matrix, columns: [...ticMonths.slice(0, 101), 202202] }] })]),
        'a gap month column',
      );
      refused(
        snapshot([monthlyChain({ matrices: [{ ...matrix, rows: [202001, 202001] }] })]),
        'a month twice among the rows',
      );
      const transfer = monthlyChain().transfer[0]!;
      refused(
        snapshot([monthlyChain({ transfer: [{ ...transfer, perStep: [{ ...transfer.perStep[0], year: 2020 }] }] })]),
        'a per-step year',
      );
      refused(snapshot([monthlyChain({ imagenet: [{ year: 202202, top1: 0.1, top5: 0.2, source: 's' }] })]), 'gap');
      refused(snapshot([monthlyChain({ otherTasks: [{ year: 2020, key: 'k', dataset: 'd', value: 0.1 }] })]), 'year');
    });

    it('refuses a month in a yearly chain, and each list holding the other timescale', () => {
      refused(
        snapshot([], [yearlyChain({ steps: [stepNodeWire({ year: 202001 })] })]),
        'a month step of a yearly chain',
      );
      refused(snapshot([monthlyChain({ timescale: 'yearly' })]), 'a yearly chain among the monthly ones');
      refused(snapshot([monthlyChain({ timescale: undefined })]), 'a monthly chain that does not say so');
      refused(snapshot([], [monthlyChain()]), 'a monthly chain among the yearly ones');
      refused(snapshot([monthlyChain({ timescale: 'weekly' })]), 'an unknown timescale');
      refused(snapshot([], [yearlyChain({ rollup: [] })]), 'a yearly chain with a roll-up');
      refused(
        snapshot([], [yearlyChain({ branch: { year: 2019, chain: null, label: 'x' } })]),
        'a yearly chain with a branch',
      );
      refused({ ...snapshot([]), monthlyChains: 'none' }, 'monthlyChains not a list');
    });

    it('refuses a roll-up column outside the TiC years, a bad branch, more than 102 columns', () => {
      const rollup = monthlyChain().rollup[0]!;
      refused(snapshot([monthlyChain({ rollup: [{ ...rollup, columns: [...years.slice(1), 2024] }] })]), '2024');
      refused(snapshot([monthlyChain({ rollup: [{ ...rollup, columns: [...years.slice(1), 202001] }] })]), 'month');
      refused(snapshot([monthlyChain({ branch: { year: 2019, chain: null } })]), 'a branch without a label');
      refused(snapshot([monthlyChain({ branch: { year: 201912, chain: null, label: 'x' } })]), 'a month branch year');
      refused(snapshot([monthlyChain({ branch: { year: 2019, chain: 3, label: 'x' } })]), 'a branch chain number');
      const matrix = monthlyChain().matrices[0]!;
      refused(
        snapshot([
          monthlyChain({
            matrices: [{ ...matrix, columns: [...ticMonths, 190001], values: matrix.values.map((r) => [...r, null]) }],
          }),
        ]),
        '103 columns',
      );
    });

    it('accepts a month in step actions and loss step starts; refuses a month that is not a TiC month', () => {
      assert.deepEqual(parseDashboardMessage({ type: 'reveal', chain: 'c/monthly', year: 202001 }), {
        type: 'reveal',
        chain: 'c/monthly',
        year: 202001,
      });
      assert.ok(!(parseDashboardMessage({ type: 'evaluate', chain: 'c', year: 202306 }) instanceof ProtocolError));
      for (const bad of [202202, 202307, 201401, 999999])
        assert.ok(
          parseDashboardMessage({ type: 'evaluate', chain: 'c', year: bad }) instanceof ProtocolError,
          `${bad}`,
        );
      const series = (year: number) => ({
        type: 'losses',
        requestId: 1,
        field: 'loss',
        axis: 'samples',
        series: [
          { chain: 'c', x: [0], y: [1], smoothed: null, stepStarts: [{ year, x: 0 }], extent: [0, 0], total: 1 },
        ],
      });
      assert.ok(!(parseHostMessage(series(202001)) instanceof ProtocolError));
      assert.ok(parseHostMessage(series(202202)) instanceof ProtocolError);
    });
  });
});
