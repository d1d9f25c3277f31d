import assert from 'node:assert/strict';
import { parseHostToInspector, parseInspectorMessage } from '../../../src/protocol/checkpointMessages';
import { ProtocolError } from '../../../src/protocol/validate';

const report = {
  format: 'torch-zip',
  file: { path: '/x/epoch_2.pt', size: 10 },
  topLevel: { epoch: 2, name: '<img src=x onerror=alert(1)>' },
  stateDictPath: ['state_dict'],
  stripPrefix: null,
  tensors: [{ name: 'visual.proj', dtype: 'float32', shape: [768, 512], numel: 393216, bytes: 1572864 }],
  totalParams: 393216,
  paramsByTower: { visual: 393216, text: 0, other: 0 },
  architecture: null,
  optimizer: null,
  warnings: [{ kind: 'dangerousGlobal', detail: 'posix.system' }],
  stats: { bytesRead: 100, elapsedMs: 1 },
};

describe('checkpoint inspector protocol', () => {
  it('accepts the webview messages it knows and nothing else', () => {
    assert.deepEqual(parseInspectorMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseInspectorMessage({ type: 'compareWith' }), { type: 'compareWith' });
    for (const raw of [
      null,
      [],
      { type: 'openFile', path: '/etc/passwd' },
      { type: 'copyText', text: 5 },
      { type: 'copyText' },
    ]) {
      assert.ok(parseInspectorMessage(raw) instanceof ProtocolError, JSON.stringify(raw));
    }
  });

  it('passes a well-formed report through, keeping hostile-looking strings as plain data', () => {
    const parsed = parseHostToInspector({ type: 'report', report });
    assert.ok(!(parsed instanceof ProtocolError));
    assert.equal(parsed.type === 'report' && parsed.report.topLevel.name, '<img src=x onerror=alert(1)>');
  });

  it('rejects a report with a wrong field anywhere in it', () => {
    const broken = [
      { ...report, format: 'pickle' },
      { ...report, tensors: [{ ...report.tensors[0], shape: ['768'] }] },
      { ...report, tensors: 'many' },
      { ...report, topLevel: { epoch: { nested: true } } },
      { ...report, warnings: [{ kind: 'x' }] },
      { ...report, file: null },
    ];
    for (const r of broken)
      assert.ok(
        parseHostToInspector({ type: 'report', report: r }) instanceof ProtocolError,
        JSON.stringify(r).slice(0, 80),
      );
  });
});
