/**
 * The host ⇄ dashboard webview protocol: message types and their runtime validators.
 * Imports only src/protocol/, so both the extension host and the browser bundle can use it (architecture.md).
 */
import { isRecord, ProtocolError } from './validate';

export { ProtocolError };

/** Messages the webview sends to the host. */
export type DashboardToHost = { type: 'ready' } | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string };

/** Messages the host sends to the webview. */
export type HostToDashboard = {
  type: 'init';
  version: string;
  workspaceName: string | null;
  trusted: boolean;
};

const maxLogText = 4000;

/** Checks a message that came from the webview; anything that is not exactly a known message is an error. */
export function parseDashboardMessage(raw: unknown): DashboardToHost | ProtocolError {
  if (!isRecord(raw)) return new ProtocolError('not an object');
  switch (raw.type) {
    case 'ready':
      return Object.keys(raw).length === 1 ? { type: 'ready' } : new ProtocolError('unexpected fields on ready');
    case 'log': {
      const { level, text } = raw;
      if (level !== 'info' && level !== 'warn' && level !== 'error') return new ProtocolError('bad log level');
      if (typeof text !== 'string' || text.length > maxLogText) return new ProtocolError('bad log text');
      return { type: 'log', level, text };
    }
    default:
      return new ProtocolError(`unknown type ${JSON.stringify(String(raw.type)).slice(0, 60)}`);
  }
}

/** Checks a message that came from the host (the webview validates too: defence in depth). */
export function parseHostMessage(raw: unknown): HostToDashboard | ProtocolError {
  if (!isRecord(raw)) return new ProtocolError('not an object');
  if (raw.type === 'init') {
    const { version, workspaceName, trusted } = raw;
    if (typeof version !== 'string') return new ProtocolError('bad version');
    if (workspaceName !== null && typeof workspaceName !== 'string') return new ProtocolError('bad workspaceName');
    if (typeof trusted !== 'boolean') return new ProtocolError('bad trusted');
    return { type: 'init', version, workspaceName, trusted };
  }
  return new ProtocolError('unknown type');
}
