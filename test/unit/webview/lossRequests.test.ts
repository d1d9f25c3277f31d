import assert from 'node:assert/strict';
import type { LossQuery, LossSeriesBinary, LossSeriesWire } from '../../../src/protocol/dashboardMessages';
import { LossRequests, mergeLiveSeries, type SentLossRequest } from '../../../webview/dashboard/lossRequests';

const query = (x0: number | null = null): LossQuery => ({
  chains: ['a'],
  field: 'loss',
  axis: 'samples',
  x0,
  x1: x0 === null ? null : x0 + 10,
  buckets: 800,
  smoothing: 0.6,
  emaPerStep: false,
});

function setup(): { sent: SentLossRequest[]; clock: { t: number }; requests: LossRequests } {
  const sent: SentLossRequest[] = [];
  const clock = { t: 0 };
  const requests = new LossRequests(
    (r) => sent.push(r),
    () => clock.t,
    1000,
  );
  return { sent, clock, requests };
}

describe('loss requests', () => {
  it('sends at once when nothing is in flight, numbering requests', () => {
    const { sent, requests } = setup();
    requests.request(query());
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.requestId, 1);
    assert.equal(requests.latestId, 1);
  });

  it('keeps one in flight and only the newest pending', () => {
    const { sent, requests } = setup();
    requests.request(query(1));
    requests.request(query(2));
    requests.request(query(3));
    requests.request(query(4));
    assert.equal(sent.length, 1);
    const reply = requests.reply(1)!;
    assert.equal(reply.superseded, true);
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.x0, 4);
    assert.equal(requests.reply(2)!.superseded, false);
    assert.equal(sent.length, 2);
  });

  it('ignores replies that do not answer the request in flight', () => {
    const { sent, requests } = setup();
    requests.request(query());
    assert.equal(requests.reply(7), null);
    assert.ok(requests.reply(1));
    assert.equal(requests.reply(1), null, 'a second answer to the same request');
    requests.request(query());
    assert.equal(requests.reply(1), null, 'an answer to an older request');
    assert.equal(sent.length, 2);
  });

  it('reports when the request was sent', () => {
    const { clock, requests } = setup();
    clock.t = 42;
    requests.request(query());
    clock.t = 99;
    assert.equal(requests.reply(1)!.sentAt, 42);
  });

  it('gives up on an unanswered request after the timeout and sends the pending one', () => {
    const { sent, clock, requests } = setup();
    requests.request(query(1));
    requests.request(query(2));
    clock.t = 500;
    assert.equal(requests.expire(), false);
    clock.t = 1500;
    assert.equal(requests.expire(), true);
    assert.equal(sent.length, 2);
    assert.equal(sent[1]!.x0, 2);
    assert.equal(requests.reply(1), null, 'the late answer is ignored');
    assert.ok(requests.reply(2));
  });

  it('keeps a request in flight through its partial replies until the last one', () => {
    const { sent, requests } = setup();
    requests.request(query(1));
    requests.request(query(2));
    assert.equal(requests.part(sent[0]!.requestId)?.query.x0, 1);
    assert.equal(requests.part(sent[0]!.requestId)?.query.x0, 1, 'still in flight after a part');
    assert.equal(sent.length, 1, 'a part does not send the pending request');
    assert.equal(requests.part(99), null, 'a part of another request is ignored');
    assert.equal(requests.reply(sent[0]!.requestId)?.superseded, true);
    assert.equal(requests.part(sent[0]!.requestId), null, 'a part after the last reply is ignored');
    assert.equal(sent.length, 2);
  });
});

describe('merging a live push into the series shown', () => {
  const shown = (chain: string, y: number): LossSeriesWire => ({
    chain,
    x: [0, 1],
    y: [y, y],
    smoothed: null,
    stepStarts: [],
    extent: [0, 1],
    total: 2,
  });
  const pushed = (chain: string, y: number[]): LossSeriesBinary => ({
    chain,
    x: Float64Array.from(y, (_, i) => i),
    y: Float64Array.from(y),
    smoothed: null,
    stepStarts: [{ year: 2016, x: 0 }],
    extent: [0, y.length - 1],
    total: y.length,
  });
  const q: LossQuery = { ...query(), chains: ['a', 'b', 'c'] };
  const { chains: _chains, ...view } = q;

  it("replaces the pushed chains' series in place and leaves the others as they were", () => {
    const before = [shown('a', 1), shown('b', 2), shown('c', 3)];
    const merged = mergeLiveSeries(before, q, { view, series: [pushed('b', [5, NaN, 4])] })!;
    assert.deepEqual(
      merged.map((s) => s.chain),
      ['a', 'b', 'c'],
    );
    assert.equal(merged[0], before[0]);
    assert.equal(merged[2], before[2]);
    assert.deepEqual(merged[1]!.x, [0, 1, 2]);
    assert.ok(Array.isArray(merged[1]!.y) && Number.isNaN(merged[1]!.y[1]));
    assert.equal(merged[1]!.total, 3);
  });

  it('adds a chain of the query the data had no series for yet (its first points)', () => {
    const merged = mergeLiveSeries([shown('a', 1)], q, { view, series: [pushed('c', [7])] })!;
    assert.deepEqual(
      merged.map((s) => s.chain),
      ['a', 'c'],
    );
  });

  it('ignores a push for another view, or for chains the query does not show', () => {
    const before = [shown('a', 1)];
    for (const other of [{ smoothing: 0, emaPerStep: false }, { buckets: 801 }, { x0: 5 }, { field: 'lr' as const }])
      assert.equal(mergeLiveSeries(before, q, { view: { ...view, ...other }, series: [pushed('a', [9])] }), null);
    assert.equal(mergeLiveSeries(before, q, { view, series: [pushed('z', [9])] }), null);
  });
});
