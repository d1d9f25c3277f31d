import assert from 'node:assert/strict';
import { parseDashboardMessage, parseHostMessage, ProtocolError } from '../../../src/protocol/dashboardMessages';
import { stepNodeWire } from '../../support/stepNodeWire';

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
});
