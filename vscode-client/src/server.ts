/**
 * Starts `ctxsteward serve` through vscode-languageclient, restarts it with backoff when it
 * crashes, and explains what to do when it cannot start.
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  type CloseHandlerResult,
  ErrorAction,
  type ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { RestartPolicy } from "./logic/backoff";
import { firstWorking } from "./logic/probe";
import { exitLine } from "./logic/exit";
import { advertisedCommands, BUDGET_NOTIFICATION, BUNDLE_NOTIFICATION } from "./logic/protocol";
import { type BundledServer, type Candidate, candidates, displayArgv, startAdvice } from "./logic/serverCommand";
import { mapSettings, type MappedSettings } from "./logic/settings";
import type { ServerState } from "./logic/status";
import { onInterpreterChange, pythonExtensionPresent, selectedInterpreter } from "./python";

export const CLIENT_ID = "ctxsteward";

export function readSettings(): MappedSettings {
  const c = vscode.workspace.getConfiguration("ctxsteward");
  return mapSettings({
    encoding: c.get("encoding"),
    profile: c.get("profile"),
    budget: c.get("budget"),
    contextWindow: c.get("contextWindow"),
    maxFileSize: c.get("maxFileSize"),
    exclude: c.get("exclude"),
    instructionFiles: c.get("instructionFiles"),
    handoff: { path: c.get("handoff.path"), testCommand: c.get("handoff.testCommand") },
    copyFormat: c.get("copyFormat"),
  });
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private generation = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy = new RestartPolicy();
  private readonly disposables: vscode.Disposable[] = [];
  private _state: ServerState = "stopped";
  private _detail: string | undefined;
  private _commands = new Set<string>();
  private _version: string | undefined;
  private starting: Promise<void> | undefined;
  private process: ChildProcess | undefined;
  private chosen: Candidate | undefined;

  private readonly stateEmitter = new vscode.EventEmitter<{ state: ServerState; detail?: string }>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly budgetEmitter = new vscode.EventEmitter<unknown>();
  /** The `ctxsteward/budget` notification's params. */
  readonly onBudget = this.budgetEmitter.event;
  private readonly bundleEmitter = new vscode.EventEmitter<unknown>();
  /** The `ctxsteward/bundle` notification's params: each change of the server's current bundle. */
  readonly onBundle = this.bundleEmitter.event;

  /** `bundled`: the server a platform build carries (logic/bundled.readBundled), tried after an installed one. */
  constructor(readonly output: vscode.OutputChannel, private readonly trace: vscode.OutputChannel, private readonly bundled?: BundledServer) {
    this.disposables.push(this.stateEmitter, this.budgetEmitter, this.bundleEmitter);
    void onInterpreterChange(() => {
      const setting = vscode.workspace.getConfiguration("ctxsteward").get("server.command");
      if (!setting || (Array.isArray(setting) && setting.length === 0)) {
        this.output.appendLine("The selected Python interpreter changed: restarting the server.");
        void this.restart();
      }
    }).then((d) => d && this.disposables.push(d));
  }

  get state(): ServerState {
    return this._state;
  }
  get detail(): string | undefined {
    return this._detail;
  }
  get version(): string | undefined {
    return this._version;
  }
  get running(): LanguageClient | undefined {
    return this._state === "running" && this.client?.state === State.Running ? this.client : undefined;
  }
  /** Commands the running server advertises (`executeCommandProvider.commands`). */
  get commands(): ReadonlySet<string> {
    return this._commands;
  }

  private setState(state: ServerState, detail?: string): void {
    this._state = state;
    this._detail = detail;
    this.stateEmitter.fire({ state, detail });
  }

  private folder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const gen = ++this.generation;
    this.setState("starting");
    const folder = this.folder();
    const cwd = folder?.uri.scheme === "file" ? folder.uri.fsPath : undefined;
    const setting = vscode.workspace.getConfiguration("ctxsteward").get<unknown>("server.command");
    const interpreter = await selectedInterpreter(folder?.uri);
    const cands = candidates({ setting, pythonInterpreter: interpreter, bundled: this.bundled, platform: process.platform });
    this.output.appendLine(`Looking for the server: ${cands.map((c) => `${displayArgv([c.command, ...c.args])} (${c.origin})`).join("; then ")}`);
    const found = await firstWorking(cands, { cwd });
    if (gen !== this.generation) return;
    for (const t of found.tried) {
      this.output.appendLine(`  ${displayArgv([t.candidate.command, ...t.candidate.args])}: ${t.result.ok ? `ok (${t.result.version})` : `${t.result.failure}: ${t.result.detail ?? ""}`}`);
    }
    if (!found.chosen) {
      const advice = startAdvice(found.tried, pythonExtensionPresent(), this.bundled);
      this.setState("failed", this.bundled ? "no Python for the bundled server" : "not installed or not found");
      this.output.appendLine(advice.message);
      void this.explain(advice.message, advice.actions);
      return;
    }
    this._version = found.version;
    this.chosen = found.chosen;
    await this.launch(found.chosen, gen, cwd);
  }

  private async launch(chosen: Candidate, gen: number, cwd: string | undefined): Promise<void> {
    const settings = readSettings();
    for (const p of settings.problems) this.output.appendLine(`Setting ignored: ${p}`);
    // The process is started here, not by the language client: it would log every exit as an
    // error, "Server process exited with code 0" after a deliberate restart included.
    const serverOptions: ServerOptions = () => Promise.resolve(this.spawnServer(chosen, gen, cwd));
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }],
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      revealOutputChannelOn: 4, // RevealOutputChannelOn.Never: problems come as notifications
      initializationOptions: settings.server,
      workspaceFolder: this.folder(),
      errorHandler: {
        error: (_e, _m, count): ErrorHandlerResult => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
        closed: (): CloseHandlerResult => {
          const restarting = this.onClosed(gen);
          return {
            action: CloseAction.DoNotRestart,
            handled: true,
            message: restarting ? "The connection to the server closed; Context Steward restarts it (see above)." : "The connection to the server closed.",
          };
        },
      },
      middleware: {
        workspace: {
          // The server may pull the `ctxsteward` section: give it the mapped settings, not the raw
          // section (which holds client-only keys such as server.command).
          configuration: (params, token, next) => {
            const items = params.items;
            if (items.every((i) => i.section === "ctxsteward")) return items.map(() => readSettings().server);
            return next(params, token);
          },
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, "Context Steward", serverOptions, clientOptions);
    this.client = client;
    client.onNotification(BUDGET_NOTIFICATION, (params: unknown) => this.budgetEmitter.fire(params));
    client.onNotification(BUNDLE_NOTIFICATION, (params: unknown) => this.bundleEmitter.fire(params));
    this.output.appendLine(`Starting ${displayArgv([chosen.command, ...chosen.args])} (${chosen.origin})${cwd ? ` in ${cwd}` : ""}`);
    this.startedAt = Date.now();
    try {
      await client.start();
    } catch (e) {
      if (gen !== this.generation) return;
      this.output.appendLine(`The server did not start: ${e instanceof Error ? e.message : String(e)}`);
      this.onClosed(gen);
      return;
    }
    if (gen !== this.generation) return;
    this._commands = advertisedCommands(client.initializeResult);
    this.output.appendLine(`Server running (${this._version ?? "version unknown"}); commands: ${[...this._commands].sort().join(", ") || "none"}`);
    this.setState("running");
  }

  /** The server process of generation `gen`; its end is logged as deliberate once the generation moved on (restart, dispose). */
  private spawnServer(chosen: Candidate, gen: number, cwd: string | undefined): ChildProcess {
    const child = spawn(chosen.command, chosen.args, { cwd, env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    this.process = child;
    child.on("error", (e) => this.output.appendLine(`[Error] The server process: ${e.message}`));
    child.on("exit", (code, signal) => {
      if (this.process === child) this.process = undefined;
      this.output.appendLine(exitLine(code, signal, gen !== this.generation).text);
    });
    return child;
  }

  /** End `child` if it outlives a stop by two seconds (a server that does not answer shutdown). */
  private reap(child: ChildProcess | undefined): void {
    if (!child) return;
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }, 2000).unref();
  }

  /** The server of generation `gen` stopped: restart it after a delay, or give up. True when a restart is scheduled. */
  private onClosed(gen: number): boolean {
    if (gen !== this.generation || this._state === "restarting" || this._state === "failed") return false;
    const decision = this.policy.onCrash(Date.now(), this.startedAt);
    if (decision.action === "give-up") {
      const msg = `Context Steward: the server stopped ${decision.crashes} times within ${Math.round(decision.windowMs / 60000)} minutes and will not be restarted automatically. The output channel has its log.`;
      this.setState("failed", "crashed repeatedly");
      this.output.appendLine(msg);
      void this.explain(msg, ["Show Log", "Restart Server"]);
      return false;
    }
    const secs = (decision.delayMs / 1000).toFixed(decision.delayMs < 10_000 ? 1 : 0);
    this.output.appendLine(`The server stopped unexpectedly; restart ${decision.attempt} in ${secs} s.`);
    this.setState("restarting", `attempt ${decision.attempt} in ${secs} s`);
    const old = this.client;
    this.client = undefined;
    this._commands = new Set();
    clearTimeout(this.restartTimer);
    const oldProcess = this.process;
    this.restartTimer = setTimeout(() => {
      void old?.dispose().catch(() => undefined);
      this.reap(oldProcess);
      void this.start();
    }, decision.delayMs);
    return true;
  }

  private async explain(message: string, actions: string[]): Promise<void> {
    const picked = await vscode.window.showErrorMessage(message, ...actions);
    switch (picked) {
      case "Open Settings":
        await vscode.commands.executeCommand("workbench.action.openSettings", "ctxsteward.server.command");
        break;
      case "Select Interpreter":
        await vscode.commands.executeCommand("python.setInterpreter");
        break;
      case "Show Log":
        this.output.show(true);
        break;
      case "Restart Server":
        await this.restart();
        break;
    }
  }

  /** Stop the running server (if any) and start again, forgetting earlier crashes. */
  async restart(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.policy.reset();
    const old = this.client;
    const oldProcess = this.process;
    this.client = undefined;
    this.generation++;
    this.setState("starting");
    if (old) {
      try {
        if (old.state !== State.Stopped) await old.stop(5000);
      } catch (e) {
        this.output.appendLine(`Stopping the server: ${e instanceof Error ? e.message : String(e)}`);
      }
      await old.dispose().catch(() => undefined);
    }
    this.reap(oldProcess);
    await this.start();
  }

  /** Send the current settings to the running server. */
  sendSettings(): void {
    const client = this.running;
    if (!client) return;
    const settings = readSettings();
    for (const p of settings.problems) this.output.appendLine(`Setting ignored: ${p}`);
    void client.sendNotification("workspace/didChangeConfiguration", { settings: { ctxsteward: settings.server } });
  }

  /** Run one of the server's `workspace/executeCommand` commands. */
  async execute(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<unknown> {
    const client = this.running;
    if (!client) {
      if (this._state === "starting" || this._state === "restarting") {
        throw new UserFacingError("Context Steward: the server is still starting; try again in a moment.");
      }
      throw new UserFacingError("Context Steward: the server is not running. Run “Context Steward: Restart Server” (the output channel says why it stopped).");
    }
    if (this._commands.size > 0 && !this._commands.has(command)) {
      throw new UserFacingError(`Context Steward: this server (${this._version ?? "unknown version"}) has no command ${command}: it is older than the extension. ${this.chosen?.source === "bundled" ? "Reinstall the extension" : "Update the Context Steward that runs it (or clear ctxsteward.server.command to use the server bundled with the extension)"}, then restart the server.`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token);
  }

  async request(method: string, params: unknown, token?: vscode.CancellationToken): Promise<unknown> {
    const client = this.running;
    if (!client) throw new UserFacingError("Context Steward: the server is not running.");
    return client.sendRequest(method, params, token);
  }

  async dispose(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.generation++;
    const c = this.client;
    this.client = undefined;
    const child = this.process;
    for (const d of this.disposables) d.dispose();
    if (c) await c.dispose().catch(() => undefined);
    this.reap(child);
  }
}

/** An error whose message is meant for the user as it is. */
export class UserFacingError extends Error {}
