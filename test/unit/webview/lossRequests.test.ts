import assert from 'node:assert/strict';
import type { LossQuery } from '../../../src/protocol/dashboardMessages';
import { LossRequests, type SentLossRequest } from '../../../webview/dashboard/lossRequests';

const query = (x0: number | null = null): LossQuery => ({
  chains: ['a'],
  field: 'loss',
  axis: 'samples',
  x0,
  x1: x0 === null ? null : x0 + 10,
  buckets: 800,
  smoothing: 0.6,
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
});
