import assert from 'node:assert/strict';
import { parseHostToProbe, parseProbeMessage, ProtocolError } from '../../../src/protocol/probeMessages';

const png = 'data:image/png;base64,iVBORw0KGgo=';
const run = { type: 'run', requestId: 4, mode: 'labels', models: ['/exports/a'], images: ['i1'], texts: ['a dog'] };

describe('Probe panel protocol validation', () => {
  it('accepts the messages of the panel as they are', () => {
    assert.deepEqual(parseProbeMessage(run), run);
    assert.deepEqual(parseProbeMessage({ type: 'addImage', name: 'cat.png', dataUrl: png }), {
      type: 'addImage',
      name: 'cat.png',
      dataUrl: png,
    });
    assert.deepEqual(parseProbeMessage({ type: 'cancel', requestId: 4 }), { type: 'cancel', requestId: 4 });
  });

  const hostile: unknown[] = [
    null,
    [],
    { type: 'ready', extra: true },
    { type: 'addImage', name: 'x.svg', dataUrl: 'data:image/svg+xml;base64,PHN2Zz4=' },
    { type: 'addImage', name: 'x', dataUrl: 'data:text/html;base64,PGgxPg==' },
    { type: 'addImage', name: 'x', dataUrl: 'data:image/png;base64,<script>' },
    { type: 'addImage', name: 'x', dataUrl: `data:image/png;base64,${'A'.repeat(26 * 1024 * 1024)}` },
    { ...run, mode: 'segmentation' },
    { ...run, texts: ['  '] },
    { ...run, texts: ['x'.repeat(2000)] },
    { ...run, models: [{ dir: '/' }] },
    { ...run, requestId: -3 },
    { ...run, command: 'rm -rf /' },
    { type: 'exportCheckpoint', path: '/etc/passwd' },
  ];
  hostile.forEach((raw, i) =>
    it(`drops hostile message #${i} from the webview`, () =>
      assert.ok(parseProbeMessage(raw) instanceof ProtocolError)),
  );

  it('checks results from the host: probabilities in [0, 1] and shaped images × texts', () => {
    const result = (probabilities: unknown) => ({
      type: 'result',
      requestId: 1,
      mode: 'labels',
      images: ['a', 'b'],
      texts: ['x', 'y'],
      labels: [{ model: 'm', probabilities }],
      captions: null,
      elapsedMs: 3,
    });
    assert.ok(
      !(
        parseHostToProbe(
          result([
            [0.4, 0.6],
            [1, 0],
          ]),
        ) instanceof ProtocolError
      ),
    );
    assert.ok(parseHostToProbe(result([[0.4, 0.6]])) instanceof ProtocolError);
    assert.ok(
      parseHostToProbe(
        result([
          [0.4, 1.6],
          [1, 0],
        ]),
      ) instanceof ProtocolError,
    );
    assert.ok(
      parseHostToProbe(
        result([
          [0.4, '0.6'],
          [1, 0],
        ]),
      ) instanceof ProtocolError,
    );
    const state = {
      type: 'state',
      models: [],
      images: [{ id: 'i', name: 'n', width: 1, height: 1, thumbnail: 'javascript:alert(1)' }],
      notice: null,
      exampleLabels: null,
    };
    assert.ok(parseHostToProbe(state) instanceof ProtocolError);
  });

  it('takes a state with the sample images’ example labels, and only non-empty strings as labels', () => {
    const state = { type: 'state', models: [], images: [], notice: null, exampleLabels: ['car', 'cat bicycle'] };
    assert.deepEqual(parseHostToProbe(state), state);
    assert.deepEqual(parseHostToProbe({ ...state, exampleLabels: null }), { ...state, exampleLabels: null });
    for (const bad of [[''], [' '], [3], 'car', new Array(101).fill('x')])
      assert.ok(parseHostToProbe({ ...state, exampleLabels: bad }) instanceof ProtocolError, JSON.stringify(bad));
    const { exampleLabels: _, ...old } = state;
    assert.ok(parseHostToProbe(old) instanceof ProtocolError, 'a state without exampleLabels');
  });
});
