/** Context Steward for VS Code: activation wires the server, the bundle view, the status bar and the commands. */

import * as vscode from "vscode";
import { BundleView } from "./bundleView";
import { Commands, PREVIEW_SCHEME, PreviewDocuments } from "./commands";
import { BundleFollower } from "./logic/follow";
import { readBundled } from "./logic/bundled";
import { changedKeys, type ServerSettings } from "./logic/settings";
import { readSettings, ServerManager } from "./server";
import { BudgetStatus } from "./statusBar";

let manager: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel("Context Steward");
  const trace = vscode.window.createOutputChannel("Context Steward (LSP trace)");
  context.subscriptions.push(output, trace);
  const root = () => vscode.workspace.workspaceFolders?.[0]?.uri;

  const server = new ServerManager(output, trace, readBundled(context.asAbsolutePath("bundled")));
  manager = server;
  const view = new BundleView(root);
  const status = new BudgetStatus("contextSteward.bundle.focus");
  const previews = new PreviewDocuments();
  context.subscriptions.push(view, status, vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews));
  void vscode.commands.executeCommand("setContext", "contextSteward.hasBundle", false);

  const follower = new BundleFollower();
  const commands = new Commands(server, view, previews, root, follower);
  commands.register(context);

  server.onDidChangeState(({ state, detail }) => {
    status.setServer(state, detail);
    view.setServer(state, detail);
    void vscode.commands.executeCommand("setContext", "contextSteward.serverRunning", state === "running");
    if (state === "starting") {
      // A new server process: its changes are numbered from 1 again; it restores the last bundle.
      follower.reset();
      status.setTotals(undefined);
    }
    if (state === "running") {
      void commands.refresh().catch(() => undefined);
    }
  }, undefined, context.subscriptions);

  // Every change of the server's current bundle, whatever made it (a command, a code action from
  // the light bulb, a re-index, the restore after a restart): the view, the status bar and the
  // context keys follow it.
  server.onBundle((params) => {
    const action = follower.onBundle(params);
    if (action.kind !== "show") return;
    view.set(action.bundle);
    status.setTotals(action.totals);
    for (const note of action.notes) output.appendLine(`Context bundle: ${note}`);
    if (action.notes.length > 0) void vscode.window.showWarningMessage(`Context Steward: ${action.notes.join("; ")}`);
  }, undefined, context.subscriptions);

  server.onBudget((params) => {
    const action = follower.onBudget(params, view.current);
    if (action.kind !== "totals") return;
    status.setTotals(action.totals);
    if (action.fetch) void commands.refresh().catch(() => undefined);
  }, undefined, context.subscriptions);

  let sent: ServerSettings = readSettings().server;
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (!e.affectsConfiguration("ctxsteward")) return;
    if (e.affectsConfiguration("ctxsteward.server.command")) {
      output.appendLine("ctxsteward.server.command changed: restarting the server.");
      await server.restart();
      sent = readSettings().server;
      return;
    }
    const now = readSettings().server;
    const keys = changedKeys(sent, now);
    if (keys.length > 0) {
      output.appendLine(`Settings changed (${keys.join(", ")}): sending them to the server.`);
      sent = now;
      server.sendSettings();
    }
  }));

  if (!vscode.workspace.workspaceFolders?.length) {
    output.appendLine("No folder is open: the server starts without an index (open a folder for bundles).");
  }
  void server.start();
}

export async function deactivate(): Promise<void> {
  const m = manager;
  manager = undefined;
  if (m) await m.dispose();
}
