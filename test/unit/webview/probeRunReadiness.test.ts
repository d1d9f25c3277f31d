import assert from 'node:assert/strict';
import { runBlocker, type RunInputs } from '../../../webview/probe/runReadiness';

const ready: RunInputs = {
  mode: 'labels',
  listed: 2,
  models: 2,
  images: 3,
  texts: ['dog', 'cat'],
  notice: null,
  running: false,
};

describe('probe run readiness', () => {
  it('lets a run start with a model, an image and a label', () => {
    assert.equal(runBlocker(ready), null);
    assert.equal(runBlocker({ ...ready, models: 1, images: 1, texts: ['dog'] }), null);
  });

  it('says what is missing, models first', () => {
    assert.equal(runBlocker({ ...ready, models: 0, images: 0, texts: [] }), 'Choose at least one model.');
    assert.equal(runBlocker({ ...ready, images: 0 }), 'Add at least one image.');
    assert.equal(runBlocker({ ...ready, texts: [] }), 'Write at least one label.');
  });

  it('needs exactly one caption per image in captions mode', () => {
    const captions: RunInputs = { ...ready, mode: 'captions', images: 2, texts: ['a', 'b'] };
    assert.equal(runBlocker(captions), null);
    assert.match(runBlocker({ ...captions, texts: ['a'] }) ?? '', /^1 caption for 2 images: write exactly one caption/);
    assert.match(runBlocker({ ...captions, texts: ['a', 'b', 'c'] }) ?? '', /^3 captions for 2 images/);
  });

  it('stays disabled while a run is in flight or the host says probing cannot run', () => {
    assert.equal(runBlocker({ ...ready, running: true }), 'A probe is running.');
    assert.equal(
      runBlocker({ ...ready, notice: 'onnxruntime-node failed to load' }),
      'Not available here: see the note at the top.',
    );
  });

  it('points at the Models card when there is no model at all, instead of repeating its hint', () => {
    assert.equal(runBlocker({ ...ready, listed: 0, models: 0 }), 'No model yet: see Models above.');
    assert.equal(runBlocker({ ...ready, listed: 3, models: 0 }), 'Choose at least one model.');
  });

  it('refuses what the protocol would drop', () => {
    assert.equal(runBlocker({ ...ready, models: 51 }), 'Choose at most 50 models.');
    assert.equal(runBlocker({ ...ready, texts: new Array(1001).fill('x') }), 'Write at most 1000 labels.');
    assert.equal(runBlocker({ ...ready, texts: ['ok', 'y'.repeat(1001)] }), 'Label 2 is longer than 1000 characters.');
  });
});
