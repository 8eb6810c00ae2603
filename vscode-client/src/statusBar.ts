/** The status bar item: the current bundle's tokens against the budget (logic/status.ts). */

import * as vscode from "vscode";
import { type BudgetTotals, type ServerState, statusView } from "./logic/status";

export class BudgetStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private totals: BudgetTotals | undefined;
  private server: ServerState = "starting";
  private detail: string | undefined;

  constructor(openViewCommand: string) {
    this.item = vscode.window.createStatusBarItem("contextSteward.budget", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "Context Steward Budget";
    this.item.command = openViewCommand;
    this.render();
    this.item.show();
  }

  setTotals(totals: BudgetTotals | undefined): void {
    this.totals = totals;
    this.render();
  }

  setServer(state: ServerState, detail?: string): void {
    this.server = state;
    this.detail = detail;
    this.render();
  }

  private render(): void {
    const v = statusView(this.server, this.totals, this.detail);
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.backgroundColor = v.severity === "error"
      ? new vscode.ThemeColor("statusBarItem.errorBackground")
      : v.severity === "warning"
        ? new vscode.ThemeColor("statusBarItem.warningBackground")
        : undefined;
    this.item.accessibilityInformation = { label: v.tooltip.split("\n")[0] };
  }

  dispose(): void {
    this.item.dispose();
  }
}
