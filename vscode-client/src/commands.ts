/** The palette commands: each maps to a server `workspace/executeCommand` (logic/protocol.ts). */

import * as vscode from "vscode";
import { type Bundle, missingAfterAdd, parseBundle } from "./logic/bundle";
import { formatTokens } from "./logic/format";
import { JOBS_REQUEST, resultPath, resultProblem, resultText, SERVER_COMMANDS, suggestArgs } from "./logic/protocol";
import type { ItemNode, TreeNode } from "./logic/tree";
import type { BundleView } from "./bundleView";
import type { BundleFollower } from "./logic/follow";
import { HANDOFF_PREVIEW_TITLE } from "./logic/labels";
import { readSettings, type ServerManager, UserFacingError } from "./server";

export const PREVIEW_SCHEME = "ctxsteward-preview";

/** Read-only documents for previews (handoff note, jobs table). */
export class PreviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name}` });
    this.docs.set(uri.path, text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.path) ?? "";
  }
}

function message(e: unknown): string {
  if (e instanceof UserFacingError) return e.message;
  if (e instanceof vscode.CancellationError) return "";
  const m = e instanceof Error ? e.message : String(e);
  return `Context Steward: ${m}`;
}

export class Commands {
  constructor(
    private readonly server: ServerManager,
    private readonly view: BundleView,
    private readonly previews: PreviewDocuments,
    private readonly root: () => vscode.Uri | undefined,
    private readonly follower: BundleFollower,
  ) {}

  register(context: vscode.ExtensionContext): void {
    const reg = (id: string, fn: (...args: never[]) => Promise<unknown>) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          await fn(...args);
        } catch (e) {
          const m = message(e);
          if (m) {
            this.server.output.appendLine(m);
            void vscode.window.showErrorMessage(m);
          }
        }
      }));
    reg("contextSteward.suggestBundleForFile", (uri?: vscode.Uri) => this.suggestForFile(uri));
    reg("contextSteward.suggestBundleForTask", () => this.suggestForTask());
    reg("contextSteward.addToBundle", (target?: vscode.Uri | TreeNode) => this.add(target, false));
    reg("contextSteward.pinInBundle", (target?: vscode.Uri | TreeNode) => this.add(target, true));
    reg("contextSteward.removeFromBundle", (target?: vscode.Uri | TreeNode) => this.remove(target));
    reg("contextSteward.copyBundle", () => this.copy());
    reg("contextSteward.copyBundleMarkdown", () => this.copy("markdown"));
    reg("contextSteward.copyBundleXml", () => this.copy("xml"));
    reg("contextSteward.saveBundle", () => this.save());
    reg("contextSteward.generateHandoff", () => this.generateHandoff());
    reg("contextSteward.previewHandoff", () => this.previewHandoff());
    reg("contextSteward.checkInstructions", () => this.checkInstructions());
    reg("contextSteward.showJobs", () => this.showJobs());
    reg("contextSteward.restartServer", () => this.server.restart());
    reg("contextSteward.showOutput", () => Promise.resolve(this.server.output.show(true)));
    reg("contextSteward.openItem", (node?: ItemNode) => this.open(node));
    reg("contextSteward.refreshBundle", () => this.refresh());
  }

  /** Run a server command under a cancellable progress notification. */
  private run<T>(title: string, command: string, args: unknown[], parse: (r: unknown) => T): Promise<T> {
    return Promise.resolve(vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Context Steward: ${title}`, cancellable: true },
      async (_p, token) => {
        const result = await this.server.execute(command, args, token);
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        const problem = resultProblem(result);
        const parsed = parse(result);
        if (problem && (parsed === undefined || parsed === null)) throw new UserFacingError(`Context Steward: ${problem}`);
        if (problem) void vscode.window.showWarningMessage(`Context Steward: ${problem}`);
        return parsed;
      }));
  }

  private showBundle(bundle: Bundle | undefined, what: string): void {
    if (!bundle) throw new UserFacingError(`Context Steward: the server's answer to ${what} held no bundle (see the output channel).`);
    this.setView(bundle);
    void vscode.commands.executeCommand("contextSteward.bundle.focus");
  }

  /**
   * A command's bundle into the view, for a server that does not announce its changes: one that
   * does sent `ctxsteward/bundle` before answering, and a newer change may have followed.
   */
  private setView(bundle: Bundle | undefined): void {
    if (!this.follower.follows) this.view.set(bundle);
  }

  private bundleFrom = (r: unknown) => parseBundle(r);

  private rel(uri: vscode.Uri): string {
    return vscode.workspace.asRelativePath(uri, false);
  }

  async suggestForFile(uri?: vscode.Uri): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = uri instanceof vscode.Uri ? uri : editor?.document.uri;
    if (!target || target.scheme !== "file") {
      throw new UserFacingError("Context Steward: open a file of the workspace first (the bundle is suggested for the file in the editor).");
    }
    // A selection narrows the seed to the definition under it.
    const position = editor && editor.document.uri.toString() === target.toString() && !editor.selection.isEmpty
      ? { line: editor.selection.active.line, character: editor.selection.active.character }
      : undefined;
    const args = suggestArgs({ uri: target.toString(), position });
    const bundle = await this.run(`suggesting a bundle for ${vscode.workspace.asRelativePath(target)}`, SERVER_COMMANDS.suggestBundle, [args], this.bundleFrom);
    this.showBundle(bundle, "Suggest Bundle");
  }

  async suggestForTask(): Promise<void> {
    const task = await vscode.window.showInputBox({
      title: "Context Steward: Suggest Bundle for Task",
      prompt: "What is the agent asked to do? The bundle is ranked for this text (and the file in the editor, if any).",
      placeHolder: "e.g. add retry with backoff to the HTTP client",
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === "" ? "Describe the task in a few words." : undefined),
    });
    if (task === undefined) return;
    const editor = vscode.window.activeTextEditor;
    const uri = editor?.document.uri.scheme === "file" ? editor.document.uri.toString() : undefined;
    const args = suggestArgs({ uri: uri ?? this.root()?.toString(), task });
    const bundle = await this.run("suggesting a bundle for the task", SERVER_COMMANDS.suggestBundle, [args], this.bundleFrom);
    this.showBundle(bundle, "Suggest Bundle for Task");
  }

  private targetUri(target?: vscode.Uri | TreeNode): vscode.Uri | undefined {
    if (target instanceof vscode.Uri) return target;
    if (target && typeof target === "object" && "kind" in target) {
      if (target.kind === "item") return this.view.uriOf(target.item.path);
      if (target.kind === "excluded") return this.view.uriOf(target.path);
    }
    const doc = vscode.window.activeTextEditor?.document;
    return doc?.uri.scheme === "file" ? doc.uri : undefined;
  }

  async add(target: vscode.Uri | TreeNode | undefined, pin: boolean): Promise<void> {
    const uri = this.targetUri(target);
    if (!uri) throw new UserFacingError("Context Steward: open the file to add, or pick it in the explorer.");
    const editor = vscode.window.activeTextEditor;
    const args: Record<string, unknown> = { uri: uri.toString() };
    // From the editor with a selection: the definition under the cursor rather than the whole file.
    const fromEditor = !target || (target instanceof vscode.Uri && editor?.document.uri.toString() === target.toString());
    if (fromEditor && editor && !editor.selection.isEmpty) {
      args.position = { line: editor.selection.active.line, character: editor.selection.active.character };
    }
    const rel = this.rel(uri);
    let command: string = SERVER_COMMANDS.addToBundle;
    if (pin) {
      if (this.server.commands.has(SERVER_COMMANDS.pinInBundle)) command = SERVER_COMMANDS.pinInBundle;
      else args.pin = true;
    }
    const bundle = await this.run(`${pin ? "pinning" : "adding"} ${rel}`, command, [args], this.bundleFrom);
    if (bundle) {
      this.setView(bundle);
      const why = missingAfterAdd(bundle, rel);
      if (why) void vscode.window.showWarningMessage(`Context Steward: ${why}`);
    } else await this.refresh();
  }

  async remove(target: vscode.Uri | TreeNode | undefined): Promise<void> {
    let uri = this.targetUri(target);
    if (!target && this.view.current && this.view.current.items.length > 0) {
      // From the palette: pick among the bundle's items (the open file first when it is one).
      const open = uri ? vscode.workspace.asRelativePath(uri) : undefined;
      const items = [...this.view.current.items].sort((a, b) => Number(b.path === open) - Number(a.path === open));
      const picked = await vscode.window.showQuickPick(
        items.map((i) => ({ label: i.path, description: `${formatTokens(i.tokens)} tokens · ${i.tier} · ${i.granularity}`, path: i.path })),
        { title: "Context Steward: Remove from Bundle", placeHolder: "The item to remove" });
      if (!picked) return;
      uri = this.view.uriOf(picked.path);
    }
    if (!uri) throw new UserFacingError("Context Steward: nothing to remove (suggest a bundle first).");
    const rel = this.rel(uri);
    const result = await this.run(`removing ${rel}`, SERVER_COMMANDS.removeFromBundle, [{ uri: uri.toString() }], (r) => r);
    const bundle = this.bundleFrom(result);
    if (result === null) this.setView(undefined); // the last pinned item of a bundle of pins went
    else if (bundle) {
      this.setView(bundle);
      const why = missingAfterAdd(bundle, rel);
      if (why) void vscode.window.showWarningMessage(`Context Steward: ${why}`);
    } else await this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.server.commands.has(SERVER_COMMANDS.currentBundle)) return;
    const result = await this.server.execute(SERVER_COMMANDS.currentBundle, [{}]);
    this.view.set(parseBundle(result));
  }

  async copy(format?: "markdown" | "xml"): Promise<void> {
    let fmt = format ?? (readSettings().client.copyFormat === "ask" ? undefined : (readSettings().client.copyFormat as "markdown" | "xml"));
    if (!fmt) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: "Markdown", description: "fenced code blocks with headers", fmt: "markdown" as const },
          { label: "XML", description: "<file path=…> elements (Anthropic's long-context style)", fmt: "xml" as const },
        ],
        { title: "Context Steward: Copy Bundle as Prompt", placeHolder: "Format" });
      if (!picked) return;
      fmt = picked.fmt;
    }
    const text = await this.run(`rendering the bundle as ${fmt}`, SERVER_COMMANDS.copyBundle, [{ format: fmt }], resultText);
    if (!text) throw new UserFacingError("Context Steward: the server returned no text for the bundle (suggest a bundle first).");
    await vscode.env.clipboard.writeText(text);
    const tokens = this.view.current ? ` (${formatTokens(this.view.current.totalTokens)} tokens)` : "";
    void vscode.window.showInformationMessage(`Context Steward: the bundle${tokens} is on the clipboard as ${fmt === "xml" ? "XML" : "Markdown"}.`);
  }

  async save(): Promise<void> {
    const name = await vscode.window.showInputBox({
      title: "Context Steward: Save Bundle",
      prompt: "A name: the bundle is stored under .ctxsteward/bundles/NAME.json and can be verified later.",
      placeHolder: "e.g. retry-feature",
      validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v) ? undefined : "Letters, digits, '.', '_' and '-' only."),
    });
    if (!name) return;
    const result = await this.run(`saving the bundle as ${name}`, SERVER_COMMANDS.saveBundle, [{ name }], (r) => r);
    const path = resultPath(result);
    const open = path ? await vscode.window.showInformationMessage(`Context Steward: saved the bundle as ${path}.`, "Open") : undefined;
    if (open && path) await this.openPath(path);
  }

  async generateHandoff(): Promise<void> {
    const { handoffPath, handoffTestCommand } = readSettings().client;
    const args: Record<string, unknown> = { path: handoffPath };
    if (handoffTestCommand) args.testCommand = handoffTestCommand;
    const result = await this.run(`writing the handoff note ${handoffPath}`, SERVER_COMMANDS.generateHandoff, [args], (r) => r);
    const r = (typeof result === "object" && result !== null ? result : {}) as { applied?: boolean; method?: string; message?: string };
    const path = resultPath(result) ?? handoffPath;
    if (r.applied === false) throw new UserFacingError(`Context Steward: ${r.message ?? "the handoff note was not written"}`);
    await this.openPath(path);
    void vscode.window.showInformationMessage(`Context Steward: ${r.message ?? `handoff note written to ${path}`}`);
  }

  async previewHandoff(): Promise<void> {
    const { handoffPath } = readSettings().client;
    const text = await this.run("generating the handoff note", SERVER_COMMANDS.previewHandoff, [{ path: handoffPath }], resultText);
    if (!text) throw new UserFacingError("Context Steward: the server returned no handoff note.");
    let html: string | undefined;
    try {
      // The built-in Markdown extension renders it (activated first: its command is not declared).
      await vscode.extensions.getExtension("vscode.markdown-language-features")?.activate();
      html = await vscode.commands.executeCommand<string>("markdown.api.render", text);
    } catch {
      html = undefined; // no Markdown extension: the note as text
    }
    if (typeof html !== "string") {
      const uri = this.previews.set(`${HANDOFF_PREVIEW_TITLE}.md`, text);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, "markdown");
      await vscode.window.showTextDocument(doc, { preview: true });
      return;
    }
    this.handoffPanel ??= this.newHandoffPanel();
    this.handoffPanel.webview.html = previewHtml(this.handoffPanel.webview.cspSource, html);
    this.handoffPanel.reveal(undefined, true);
  }

  private handoffPanel: vscode.WebviewPanel | undefined;

  private newHandoffPanel(): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel("contextSteward.handoffPreview", HANDOFF_PREVIEW_TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false, enableFindWidget: true });
    panel.onDidDispose(() => {
      this.handoffPanel = undefined;
    });
    return panel;
  }

  async checkInstructions(): Promise<void> {
    const result = await this.run("checking instruction files", SERVER_COMMANDS.checkInstructions, [{}], (r) => r);
    const text = resultText(result);
    if (text) {
      this.server.output.appendLine(text);
    }
    const summary = text?.split("\n")[0] ?? "instruction files checked";
    const pick = await vscode.window.showInformationMessage(`Context Steward: ${summary}`, "Show Problems", "Show Details");
    if (pick === "Show Problems") await vscode.commands.executeCommand("workbench.actions.view.problems");
    if (pick === "Show Details") this.server.output.show(true);
  }

  async showJobs(): Promise<void> {
    let text: string | undefined;
    if (this.server.commands.size === 0 || this.server.commands.has(SERVER_COMMANDS.showJobs)) {
      text = resultText(await this.server.execute(SERVER_COMMANDS.showJobs, [{}]));
    } else {
      text = JSON.stringify(await this.server.request(JOBS_REQUEST, { finished: 50 }), null, 2);
    }
    const uri = this.previews.set("Context Steward Jobs.txt", text ?? "(no jobs)");
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private async openPath(path: string): Promise<void> {
    const root = this.root();
    const uri = path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) ? vscode.Uri.file(path) : root ? vscode.Uri.joinPath(root, path) : undefined;
    if (uri) await vscode.window.showTextDocument(uri, { preview: false });
  }

  async open(node?: ItemNode): Promise<void> {
    if (!node || node.kind !== "item") return;
    const uri = this.view.uriOf(node.item.path);
    if (!uri) return;
    const pos = new vscode.Position(node.openLine, 0);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), preview: true });
  }
}

/** The rendered note in a page that loads nothing and runs no script (the note quotes the repository). */
function previewHtml(cspSource: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline'; img-src ${cspSource}">` +
    `<style>body{font-family:var(--vscode-markdown-font-family,var(--vscode-font-family));font-size:var(--vscode-markdown-font-size,14px);line-height:1.5;padding:0 20px;}code,pre{font-family:var(--vscode-editor-font-family);}</style>` +
    `</head><body>${body}</body></html>`;
}
