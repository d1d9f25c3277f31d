import * as vscode from 'vscode';
import { machineScopedSetting } from '../../hub/hubSettings';
import { settingKeys } from '../common/ids';

export interface HubMachineSettings {
  endpoint: string | undefined;
  cacheDir: string | undefined;
  /** Workspace-level values that were set and not used, as "ticStudio.hub.endpoint (workspace)". */
  ignored: string[];
}

/**
 * `ticStudio.hub.endpoint` and `ticStudio.hub.cacheDir` from the user's (or the remote machine's) settings only:
 * a workspace, trusted or not, must not send the token to another server or choose where downloads are written.
 * Read through inspect() rather than get(), so a workspace value never takes effect, whatever VS Code does with
 * the machine scope.
 */
export function readHubMachineSettings(): HubMachineSettings {
  const config = vscode.workspace.getConfiguration();
  const ignored: string[] = [];
  const read = (key: string): string | undefined => {
    const { value, ignored: levels } = machineScopedSetting(config.inspect<unknown>(key));
    for (const level of levels) ignored.push(`${key} (${level === 'workspace' ? 'workspace' : 'folder'})`);
    return value;
  };
  return { endpoint: read(settingKeys.hubEndpoint), cacheDir: read(settingKeys.hubCacheDir), ignored };
}
