import assert from 'node:assert/strict';
import { RunTracker } from '../../../webview/probe/runTracker';

describe('probe run tracker', () => {
  it('accepts only the run in flight', () => {
    const tracker = new RunTracker(null, 1000);
    assert.equal(tracker.accepts(1000), false);
    const id = tracker.start();
    assert.equal(id, 1000);
    assert.equal(tracker.accepts(id), true);
    assert.equal(tracker.accepts(id - 1), false);
    assert.equal(tracker.accepts(null), false);
    assert.equal(tracker.finish(), id);
    assert.equal(tracker.accepts(id), false);
    assert.equal(tracker.start(), 1001);
  });

  it('keeps waiting for a run restored after a reload, and never reuses its id', () => {
    const tracker = new RunTracker(5000, 10);
    assert.equal(tracker.running, 5000);
    assert.equal(tracker.accepts(5000), true);
    tracker.finish();
    assert.equal(tracker.start(), 5001);
  });
});
