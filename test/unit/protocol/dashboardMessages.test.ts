import assert from 'node:assert/strict';
import { parseDashboardMessage, parseHostMessage, ProtocolError } from '../../../src/protocol/dashboardMessages';

describe('dashboard protocol validation', () => {
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
});
