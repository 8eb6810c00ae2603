/** The "Context Bundle" tree view in the explorer (nodes built by logic/tree.ts). */

import * as vscode from "vscode";
import type { Bundle } from "./logic/bundle";
import type { ServerState } from "./logic/status";
import { buildTree, isGroup, type TreeNode, viewDescription, viewMessage } from "./logic/tree";

export const VIEW_ID = "contextSteward.bundle";

const TIER_ICONS = { core: "circle-filled", related: "circle-outline", peripheral: "circle-small" } as const;
const GROUP_ICONS = { excludedGroup: "circle-slash", decisionGroup: "history" } as const;

/** A row without children, with the node's label, id, description, tooltip and context value. */
function leaf(node: { label: string; id: string; description: string; tooltip: string; contextValue: string }): vscode.TreeItem {
  const t = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  t.id = node.id;
  t.description = node.description;
  t.tooltip = node.tooltip;
  t.contextValue = node.contextValue;
  return t;
}

export class BundleView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private bundle: Bundle | undefined;
  private server: ServerState | undefined;
  private serverDetail: string | undefined;
  private nodes: TreeNode[] = [];
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;

  constructor(private readonly root: () => vscode.Uri | undefined) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
  }

  get current(): Bundle | undefined {
    return this.bundle;
  }

  set(bundle: Bundle | undefined): void {
    this.bundle = bundle;
    this.nodes = buildTree(bundle);
    this.view.description = viewDescription(bundle);
    this.view.message = viewMessage(bundle, this.server, this.serverDetail);
    void vscode.commands.executeCommand("setContext", "contextSteward.hasBundle", bundle !== undefined);
    this.changed.fire(undefined);
  }

  /** The server's state: while it is down the view says its rows are the last bundle shown. */
  setServer(state: ServerState, detail?: string): void {
    this.server = state;
    this.serverDetail = detail;
    this.view.message = viewMessage(this.bundle, state, detail);
  }

  uriOf(path: string): vscode.Uri | undefined {
    const root = this.root();
    return root ? vscode.Uri.joinPath(root, ...path.split("/")) : undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case "tier":
      case "excludedGroup":
      case "decisionGroup": {
        const t = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        t.id = node.id;
        t.description = node.description;
        t.tooltip = node.tooltip;
        t.iconPath = new vscode.ThemeIcon(node.kind === "tier" ? TIER_ICONS[node.tier] : GROUP_ICONS[node.kind]);
        t.contextValue = node.kind;
        return t;
      }
      case "decision": {
        const t = leaf(node);
        t.iconPath = new vscode.ThemeIcon(node.decision.kind === "commit" ? "git-commit" : "note");
        return t;
      }
      case "item": {
        const t = leaf(node);
        const uri = this.uriOf(node.item.path);
        if (uri) {
          t.resourceUri = uri;
          t.command = { command: "contextSteward.openItem", title: "Open", arguments: [node] };
        }
        if (node.icon) t.iconPath = new vscode.ThemeIcon(node.icon);
        return t;
      }
      case "excluded": {
        const t = leaf(node);
        t.iconPath = new vscode.ThemeIcon("eye-closed");
        return t;
      }
    }
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.nodes;
    return isGroup(node) ? node.children : [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (isGroup(node)) return undefined;
    return this.nodes.find((n) => isGroup(n) && (n.children as TreeNode[]).includes(node));
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
