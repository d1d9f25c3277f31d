import assert from 'node:assert/strict';
import {
  defaultProbeUiState,
  firstOpenDefaults,
  maxDefaultModels,
  maxPersistedNumbers,
  persistable,
  restoreProbeUiState,
  type ProbeUiState,
} from '../../../webview/probe/probeUiState';

const result = {
  type: 'result' as const,
  requestId: 3,
  mode: 'labels' as const,
  images: ['i1'],
  texts: ['a', 'b'],
  labels: [{ model: 'm', probabilities: [[0.9, 0.1]] }],
  captions: null,
  elapsedMs: 5,
};

describe('probe UI state', () => {
  it('round-trips a saved state, result included', () => {
    const state: ProbeUiState = {
      mode: 'captions',
      text: 'one\ntwo',
      models: ['m', 'n'],
      running: 12,
      lastResult: result,
      lastContext: { imageNames: { i1: 'dog.png' }, modelLabels: { m: '2016' } },
    };
    assert.deepEqual(restoreProbeUiState(JSON.parse(JSON.stringify(state))), state);
  });

  it('defaults what is missing or invalid, field by field', () => {
    const restored = restoreProbeUiState({ mode: 'nope', text: 4, models: ['a', 1, 'a'], running: -1 });
    assert.deepEqual(restored, { ...defaultProbeUiState(), models: ['a'] });
    assert.deepEqual(restoreProbeUiState(undefined), defaultProbeUiState());
    assert.deepEqual(restoreProbeUiState('junk'), defaultProbeUiState());
  });

  it('drops a saved result that the protocol validator refuses', () => {
    const bad = { ...result, labels: [{ model: 'm', probabilities: [[1.5, 0.1]] }] };
    const restored = restoreProbeUiState({ lastResult: bad, lastContext: { imageNames: {}, modelLabels: {} } });
    assert.equal(restored.lastResult, null);
    assert.equal(restored.lastContext, null);
  });

  it('does not persist a result too large to save on every change', () => {
    const big = {
      ...result,
      texts: Array.from({ length: 1000 }, (_, i) => `t${i}`),
      images: Array.from({ length: 201 }, (_, i) => `i${i}`),
      labels: [{ model: 'm', probabilities: Array.from({ length: 201 }, () => new Array(1000).fill(0.001)) }],
    };
    assert.ok(201 * 1000 > maxPersistedNumbers);
    const state = { ...defaultProbeUiState(), lastResult: big, lastContext: { imageNames: {}, modelLabels: {} } };
    assert.equal(persistable(state).lastResult, null);
    const small = { ...state, lastResult: result };
    assert.equal(persistable(small), small);
  });

  describe('a first open', () => {
    const models = [{ id: '/e/a' }, { id: '/e/b' }];
    const labels = ['car', 'city'];

    it('ticks the listed models and fills in the sample images’ labels, so Run is one click', () => {
      const next = firstOpenDefaults(defaultProbeUiState(), { models, images: [{}], exampleLabels: labels });
      assert.deepEqual(next.models, ['/e/a', '/e/b']);
      assert.equal(next.text, 'car\ncity');
      assert.equal(next.mode, 'labels');
    });

    it('keeps what the user wrote or ticked, and leaves the labels empty without sample images', () => {
      const mine = { ...defaultProbeUiState(), mode: 'captions' as const, text: 'my caption', models: ['/e/b'] };
      assert.deepEqual(firstOpenDefaults(mine, { models, images: [{}], exampleLabels: labels }), mine);
      assert.equal(firstOpenDefaults(defaultProbeUiState(), { models, images: [], exampleLabels: labels }).text, '');
      assert.equal(firstOpenDefaults(defaultProbeUiState(), { models, images: [{}], exampleLabels: null }).text, '');
    });

    it('ticks nothing when there are many exports to choose from', () => {
      const many = Array.from({ length: maxDefaultModels + 1 }, (_, i) => ({ id: `/e/${i}` }));
      assert.deepEqual(
        firstOpenDefaults(defaultProbeUiState(), { models: many, images: [], exampleLabels: null }).models,
        [],
      );
    });
  });
});
