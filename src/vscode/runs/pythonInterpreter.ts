import * as vscode from 'vscode';

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

/**
 * The Python that runs ml-tic-clip (the `datacomp` environment): the Python extension's selected interpreter when
 * that extension is installed, else the `ticStudio.runs.python` setting, else `python3` from PATH. torchrun is
 * taken from the same folder (the conda env's bin/).
 */
export async function selectedPython(
  resource: vscode.Uri | undefined,
  setting: string | undefined,
): Promise<{ python: string; source: string }> {
  if (setting) return { python: setting, source: 'the ticStudio.runs.python setting' };
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension) {
    try {
      const api = extension.isActive ? extension.exports : await extension.activate();
      const active =
        api.environments?.getActiveEnvironmentPath(resource)?.path ??
        api.settings?.getExecutionDetails(resource).execCommand?.[0];
      if (active) return { python: active, source: "the Python extension's selected interpreter" };
    } catch {
      // An extension that fails to activate is no reason to fail the launch: fall back to PATH.
    }
  }
  return { python: 'python3', source: 'PATH' };
}
