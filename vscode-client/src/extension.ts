/** Context Steward for VS Code: activation wires the server, the bundle view, the status bar and the commands. */

import * as vscode from "vscode";
import { BundleView } from "./bundleView";
import { Commands, PREVIEW_SCHEME, PreviewDocuments } from "./commands";
import { parseBundle } from "./logic/bundle";
import { readBundled } from "./logic/bundled";
import { changedKeys, type ServerSettings } from "./logic/settings";
import { parseBudget } from "./logic/status";
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

  const commands = new Commands(server, view, previews, root);
  commands.register(context);

  server.onDidChangeState(({ state, detail }) => {
    status.setServer(state, detail);
    void vscode.commands.executeCommand("setContext", "contextSteward.serverRunning", state === "running");
    if (state === "starting") {
      // A new server process has no current bundle and no pins.
      view.pinned.clear();
      status.setTotals(undefined);
    }
    if (state === "running") {
      void commands.refresh().catch(() => undefined);
    }
  }, undefined, context.subscriptions);

  server.onBudget((params) => {
    const totals = parseBudget(params);
    if (totals) status.setTotals(totals);
    // A notification that carries the bundle itself (or says there is none) updates the view too.
    const bundle = parseBundle(params, view.pinned);
    if (bundle) view.set(bundle);
    else if (totals && !totals.present) view.set(undefined);
    else if (totals && view.current && totals.totalTokens !== view.current.totalTokens) {
      // Changed elsewhere (a code action, another command): fetch it when the server can tell.
      void commands.refresh().catch(() => undefined);
    }
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
