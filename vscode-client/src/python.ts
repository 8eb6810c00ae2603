/** The Python extension's selected interpreter, when that extension is installed. */

import * as vscode from "vscode";

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

export const PYTHON_EXTENSION_ID = "ms-python.python";

export function pythonExtensionPresent(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/** The interpreter as argv (usually one element), or undefined when there is none. */
export async function selectedInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const py = await api();
  if (!py) return undefined;
  try {
    const envs = py.environments;
    if (envs) {
      const active = envs.getActiveEnvironmentPath(resource);
      if (active?.path) {
        const resolved = await envs.resolveEnvironment(active);
        const exe = resolved?.executable?.uri?.fsPath;
        if (exe) return [exe];
      }
    }
    const cmd = py.settings?.getExecutionDetails(resource).execCommand;
    if (cmd && cmd.length > 0) return cmd;
  } catch {
    // The Python extension is present but not ready: fall back to PATH.
  }
  return undefined;
}

/** Fires when the user selects another interpreter. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const py = await api();
  const event = py?.environments?.onDidChangeActiveEnvironmentPath ?? py?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => listener()) : undefined;
}
