import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import {
  lossSeriesFromBinary,
  lossSeriesToBinary,
  parseDashboardMessage,
  parseHostMessage,
  ProtocolError,
  sameLossView,
} from '../../../src/protocol/dashboardMessages';
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
  emaPerStep: false,
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
    { ...losses, smoothing: 1, emaPerStep: false },
    { ...losses, smoothing: NaN, emaPerStep: false },
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

describe('the live loss push (lossesLive) and the view it is for (lossView)', () => {
  const view = {
    field: 'loss',
    axis: 'samples',
    x0: null,
    x1: 2e9,
    buckets: 800,
    smoothing: 0.6,
    emaPerStep: false,
  } as const;
  const wire = {
    chain: 'tic_medium/basic/cumulative',
    x: [0, 1e9, 2e9],
    y: [5.1, NaN, 4.2],
    smoothed: [5.1, 5.1, 4.6],
    stepStarts: [{ year: 2016, x: 0 }],
    extent: [0, 2e9] as [number, number],
    total: 1_000_000,
  };
  const series = (over: Record<string, unknown> = {}) => ({ ...lossSeriesToBinary(wire), ...over });
  const push = (over: Record<string, unknown> = {}, seriesList: unknown[] = [series()]) => ({
    type: 'lossesLive',
    view,
    noticedAt: 1_765_000_000_000,
    series: seriesList,
    ...over,
  });

  it('accepts typed arrays, with NaN as a gap in y, also after a structured clone (what postMessage does)', () => {
    for (const raw of [push(), structuredClone(push())]) {
      const parsed = parseHostMessage(raw);
      assert.ok(!(parsed instanceof ProtocolError), String(parsed));
      assert.ok(parsed.type === 'lossesLive');
      assert.deepEqual(parsed.view, view);
      const s = parsed.series[0]!;
      assert.ok(s.x instanceof Float64Array && s.y instanceof Float64Array);
      assert.deepEqual([...s.x], wire.x);
      assert.ok(Number.isNaN(s.y[1]));
      // Drawn as the JSON path's series are: plain arrays, NaN for the gap.
      assert.deepEqual(lossSeriesFromBinary(s), wire);
    }
  });

  it('accepts Float64Arrays of another realm (a webview receives them from its own)', () => {
    const foreign = (values: number[]) => runInNewContext(`new Float64Array(${JSON.stringify(values)})`) as unknown;
    const raw = push({}, [series({ x: foreign([0, 1, 2]), y: foreign([1, 2, 3]), smoothed: null })]);
    assert.ok(!(parseHostMessage(raw) instanceof ProtocolError));
  });

  const hostile: [string, unknown][] = [
    ['JSON number arrays instead of typed arrays', push({}, [series({ x: wire.x, y: [5.1, null, 4.2] })])],
    ['a Float32Array column', push({}, [series({ y: new Float32Array(3) })])],
    ['a DataView column', push({}, [series({ x: new DataView(new ArrayBuffer(24)) })])],
    [
      'an object dressed as a Float64Array',
      push({}, [series({ x: { length: 3, 0: 0, 1: 1, 2: 2, [Symbol.toStringTag]: 'Float64Array' } })]),
    ],
    ['y shorter than x', push({}, [series({ y: new Float64Array(2) })])],
    ['smoothed longer than x', push({}, [series({ smoothed: new Float64Array(4) })])],
    ['NaN in x', push({}, [series({ x: new Float64Array([0, NaN, 2]) })])],
    ['Infinity in y', push({}, [series({ y: new Float64Array([1, Infinity, 3]) })])],
    ['-Infinity in smoothed', push({}, [series({ smoothed: new Float64Array([1, -Infinity, 3]) })])],
    [
      'more than 200,000 points',
      push({}, [series({ x: new Float64Array(200_001), y: new Float64Array(200_001), smoothed: null, total: 1e6 })]),
    ],
    [
      'a small view over a huge buffer',
      push({}, [series({ x: new Float64Array(new ArrayBuffer(8 * 300_000), 0, 3) })]),
    ],
    ['more points than the series has', push({}, [series({ total: 2 })])],
    ['a chain twice', push({}, [series(), series()])],
    ['an extra field in a series', push({}, [series({ html: '<img src=x>' })])],
    ['an extra field in the message', push({ requestId: 1 })],
    ['a view with smoothing 1', push({ view: { ...view, smoothing: 1, emaPerStep: false } })],
    ['a view with chains', push({ view: { ...view, chains: ['a'] } })],
    ['a view zoomed to Infinity', push({ view: { ...view, x1: Infinity } })],
    ['no notice time', push({ noticedAt: NaN })],
    ['a step start that is no step', push({}, [series({ stepStarts: [{ year: 20161, x: 0 }] })])],
    ['series that is not a list', push({}, series() as unknown as unknown[])],
  ];
  hostile.forEach(([what, raw]) => {
    it(`drops a push with ${what}`, () => {
      assert.ok(parseHostMessage(raw) instanceof ProtocolError);
    });
  });

  it('refuses a push of more than 4,000,000 numbers in all', () => {
    const big = (chain: string) =>
      series({
        chain,
        x: new Float64Array(200_000),
        y: new Float64Array(200_000),
        smoothed: new Float64Array(200_000),
        total: 1e6,
      });
    const six = Array.from({ length: 6 }, (_, i) => big(`c${i}`));
    assert.ok(!(parseHostMessage(push({}, six)) instanceof ProtocolError));
    assert.ok(parseHostMessage(push({}, [...six, big('c7')])) instanceof ProtocolError);
  });

  it('accepts the view the webview reports, or none, and nothing else', () => {
    const query = { chains: ['tic_medium/basic/cumulative'], ...view };
    assert.deepEqual(parseDashboardMessage({ type: 'lossView', query }), { type: 'lossView', query });
    assert.deepEqual(parseDashboardMessage({ type: 'lossView', query: null }), { type: 'lossView', query: null });
    for (const bad of [
      { type: 'lossView' },
      { type: 'lossView', query: { ...query, requestId: 1 } },
      { type: 'lossView', query: { ...query, smoothing: -0.1 } },
      { type: 'lossView', query: { ...query, buckets: 0 } },
      { type: 'lossView', query: { ...query, chains: [1] } },
      { type: 'lossView', query, extra: true },
      { type: 'lossView', query: [query] },
    ])
      assert.ok(parseDashboardMessage(bad) instanceof ProtocolError, JSON.stringify(bad));
  });

  it('tells views apart by every field the host downsamples with', () => {
    assert.ok(sameLossView(view, { ...view }));
    for (const other of [
      { field: 'lr' },
      { axis: 'time' },
      { x0: 0 },
      { x1: null },
      { buckets: 801 },
      { smoothing: 0, emaPerStep: false },
    ] as const)
      assert.ok(!sameLossView(view, { ...view, ...other }), JSON.stringify(other));
  });
});
