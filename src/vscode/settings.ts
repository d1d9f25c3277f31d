import * as vscode from 'vscode';

import { settingKeys } from './ids';

/** Every TiC Studio setting is read here (keys in ids.ts, declared in package.json `contributes.configuration`). */
function get<T>(key: string, fallback: T): T {
  const [section, ...rest] = key.split('.');
  return vscode.workspace.getConfiguration(section).get<T>(rest.join('.'), fallback);
}

export interface HubUserSettings {
  endpoint: string | undefined;
  cacheDir: string | undefined;
  connections: number;
  extraRepos: string[];
}

/** Settings are input: anything of the wrong type falls back to the default rather than reaching the domain code. */
export function readHubSettings(): HubUserSettings {
  const text = (key: string): string | undefined => {
    const value = get<unknown>(key, '');
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const connections = get<unknown>(settingKeys.hubConnections, 4);
  const extra = get<unknown>(settingKeys.hubExtraRepos, []);
  return {
    endpoint: text(settingKeys.hubEndpoint),
    cacheDir: text(settingKeys.hubCacheDir),
    connections: typeof connections === 'number' && Number.isInteger(connections) && connections >= 1 && connections <= 16 ? connections : 4,
    extraRepos: Array.isArray(extra) ? extra.filter((r): r is string => typeof r === 'string' && /^[\w.-]+\/[\w.-]+$/.test(r)) : [],
  };
}
