/**
 * Drives the real `ctxsteward serve` over stdio with vscode-jsonrpc, the way the extension's
 * language client does: initialize with the mapped settings as initializationOptions, the
 * extension's commands through `workspace/executeCommand`, the `ctxsteward/budget` notification,
 * the `ctxsteward/jobs` request, a settings change, shutdown. On a git repository made here.
 * Skipped (with the reason) when `ctxsteward` is not on PATH; CTXSTEWARD=/path/to/ctxsteward
 * overrides the lookup.
 */

import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { parseBundle } from "../src/logic/bundle";
import { BundleFollower } from "../src/logic/follow";
import { advertisedCommands, BUDGET_NOTIFICATION, BUNDLE_NOTIFICATION, JOBS_REQUEST, resultText, SERVER_COMMANDS, suggestArgs } from "../src/logic/protocol";
import { mapSettings } from "../src/logic/settings";
import { parseBudget, statusView } from "../src/logic/status";
import { buildTree } from "../src/logic/tree";

function findServer(): string | undefined {
  if (process.env.CTXSTEWARD) return process.env.CTXSTEWARD;
  const r = spawnSync("sh", ["-c", "command -v ctxsteward"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

const server = findServer();
if (!server) {
  console.warn("server.protocol.test.ts skipped: `ctxsteward` is not on PATH (pip install -e . in the repository, activate its virtualenv, or set CTXSTEWARD=/path/to/ctxsteward)");
}

// The commands the extension sends (see src/commands.ts). pinInBundle is optional: without it the
// extension sends addToBundle with {pin: true}; currentBundle is optional (refresh after code actions).
const REQUIRED = [
  SERVER_COMMANDS.suggestBundle, SERVER_COMMANDS.addToBundle, SERVER_COMMANDS.removeFromBundle,
  SERVER_COMMANDS.copyBundle, SERVER_COMMANDS.saveBundle, SERVER_COMMANDS.showJobs,
  SERVER_COMMANDS.generateHandoff, SERVER_COMMANDS.previewHandoff, SERVER_COMMANDS.checkInstructions,
];

const FILES: Record<string, string> = {
  "app/http.py": `"""HTTP client with retries."""
from app.retry import Retry, backoff


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.retry = Retry(attempts=3)

    def get(self, path: str) -> str:
        for attempt in range(self.retry.attempts):
            backoff(attempt)
        return self.base_url + path
`,
  "app/retry.py": `"""Retry policy."""
import time


class Retry:
    def __init__(self, attempts: int) -> None:
        self.attempts = attempts


def backoff(attempt: int) -> float:
    delay = 0.1 * 2 ** attempt
    time.sleep(0)
    return delay
`,
  "app/cli.py": `from app.http import Client


def main() -> None:
    print(Client("https://example.invalid").get("/"))
`,
  "tests/test_http.py": `from app.http import Client


def test_get() -> None:
    assert Client("x").get("/y") == "x/y"
`,
  "README.md": "# Demo\n\nA tiny client with retries. See `app/http.py`.\n",
  "AGENTS.md": "# Agents\n\nRun `pytest -q`. The client lives in `app/http.py`; retries in `app/retries.py`.\n",
};

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    env: { ...process.env, GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z", GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z" },
    stdio: "ignore",
  });
}

interface Session {
  proc: ChildProcessWithoutNullStreams;
  conn: MessageConnection;
  shown: { type: number; message: string }[];
  logs: string[];
  budgets: unknown[];
  changes: { version: number; cause: string; bundle: unknown }[];
  progress: unknown[];
  stderr: string[];
  init: unknown;
}

function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = probe();
      if (v !== undefined) return resolve(v);
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe.skipIf(!server)("ctxsteward serve over vscode-jsonrpc (as the extension drives it)", () => {
  let root: string;
  let s: Session;
  const settings = mapSettings({ encoding: "cl100k_base", budget: 4000, exclude: ["*.lock"], instructionFiles: [], contextWindow: null });
  // What `workspace/configuration` answers: the settings as they are now (the extension's middleware
  // answers with the mapped settings of the moment).
  let current = settings.server;

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "ctxs-vscode-")));
    for (const [p, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    git(root, "init", "-q");
    git(root, "add", "-A");
    git(root, "commit", "-q", "-m", "initial");
    writeFileSync(join(root, "app/retry.py"), FILES["app/retry.py"] + "\n\ndef jitter() -> float:\n    return 0.0\n");
    writeFileSync(join(root, "app/http.py"), FILES["app/http.py"].replace("backoff(attempt)", "backoff(attempt)  # retry"));
    git(root, "commit", "-q", "-am", "jitter");

    const proc = spawn(server!, ["serve"], { cwd: root, env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    s = { proc, conn, shown: [], logs: [], budgets: [], changes: [], progress: [], stderr: [], init: undefined };
    proc.stderr.on("data", (b: Buffer) => s.stderr.push(b.toString("utf8")));
    conn.onNotification("window/showMessage", (p: { type: number; message: string }) => s.shown.push(p));
    conn.onNotification("window/logMessage", (p: { message: string }) => s.logs.push(p.message));
    conn.onNotification(BUDGET_NOTIFICATION, (p: unknown) => s.budgets.push(p));
    conn.onNotification(BUNDLE_NOTIFICATION, (p: { version: number; cause: string; bundle: unknown }) => s.changes.push(p));
    conn.onNotification("$/progress", (p: unknown) => s.progress.push(p));
    conn.onRequest("window/workDoneProgress/create", () => null);
    conn.onRequest("client/registerCapability", () => null);
    conn.onRequest("client/unregisterCapability", () => null);
    conn.onRequest("workspace/configuration", (p: { items: unknown[] }) => p.items.map(() => current));
    conn.onRequest("workspace/inlayHint/refresh", () => null);
    conn.onRequest("workspace/codeLens/refresh", () => null);
    conn.onRequest("workspace/diagnostic/refresh", () => null);
    conn.onRequest("window/showMessageRequest", () => null);
    conn.listen();
    const folder = pathToFileURL(root).toString();
    s.init = await conn.sendRequest("initialize", {
      processId: process.pid,
      clientInfo: { name: "Visual Studio Code", version: "1.82.0" },
      rootUri: folder,
      workspaceFolders: [{ uri: folder, name: "demo" }],
      initializationOptions: settings.server,
      capabilities: {
        window: { workDoneProgress: true, showMessage: {} },
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true }, executeCommand: {}, inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } },
        textDocument: { hover: { contentFormat: ["markdown"] }, inlayHint: {}, codeLens: {}, codeAction: {}, publishDiagnostics: {}, synchronization: { didSave: true } },
      },
    });
    await conn.sendNotification("initialized", {});
  }, 120_000);

  afterAll(async () => {
    if (s) {
      try {
        await s.conn.sendRequest("shutdown");
        await s.conn.sendNotification("exit");
      } catch {
        // already gone
      }
      await new Promise<void>((r) => {
        if (s.proc.exitCode !== null) return r();
        const t = setTimeout(() => {
          s.proc.kill();
          r();
        }, 10_000);
        s.proc.on("exit", () => {
          clearTimeout(t);
          r();
        });
      });
      s.conn.dispose();
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const run = (command: string, args: unknown) => s.conn.sendRequest("workspace/executeCommand", { command, arguments: [args] });
  const uri = (p: string) => pathToFileURL(join(root, p)).toString();

  it("accepts the extension's settings without complaint", () => {
    expect(s.init).toHaveProperty("capabilities");
    const complaints = s.shown.filter((m) => /setting/i.test(m.message));
    expect(complaints, JSON.stringify(complaints)).toEqual([]);
  });

  it("advertises every command the extension sends", () => {
    const cmds = advertisedCommands(s.init);
    const missing = REQUIRED.filter((c) => !cmds.has(c));
    expect(missing, `advertised: ${[...cmds].join(", ")}`).toEqual([]);
  });

  it("answers ctxsteward/jobs and ctxsteward.showJobs, and finishes indexing", async () => {
    const done = await (async () => {
      for (let i = 0; i < 600; i++) {
        const r = await s.conn.sendRequest<{ jobs: { kind: string; state: string }[] }>(JOBS_REQUEST, { finished: 50 });
        const index = r.jobs.filter((j) => j.kind === "index");
        if (index.length > 0 && index.every((j) => ["done", "failed", "cancelled"].includes(j.state))) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error("the index job did not finish");
    })();
    expect(done.jobs.find((j) => j.kind === "index")?.state).toBe("done");
    const shown = await run(SERVER_COMMANDS.showJobs, {});
    expect(resultText(shown)).toMatch(/STATE/);
    expect(resultText(shown)).toMatch(/index/);
  }, 90_000);

  it("announces the bundle a code action makes: the view, the status bar and the context keys follow it", async () => {
    // The light bulb's "Add backoff to the context bundle", with no bundle yet: the editor runs the
    // action's command itself, so the view learns of the bundle only from ctxsteward/bundle.
    const follower = new BundleFollower();
    const text = readFileSync(join(root, "app/retry.py"), "utf8");
    const line = text.split("\n").findIndex((l) => l.includes("delay = 0.1"));
    await s.conn.sendNotification("textDocument/didOpen", { textDocument: { uri: uri("app/retry.py"), languageId: "python", version: 1, text } });
    const at = { line, character: 4 };
    const actions = await s.conn.sendRequest<{ title: string; command?: { command: string; arguments?: unknown[] } }[]>("textDocument/codeAction", {
      textDocument: { uri: uri("app/retry.py") }, range: { start: at, end: at }, context: { diagnostics: [] },
    });
    const add = actions.find((a) => /^Add backoff to the context bundle$/.test(a.title));
    expect(add?.command, JSON.stringify(actions.map((a) => a.title))).toBeDefined();
    const before = s.changes.length;
    const result = await s.conn.sendRequest("workspace/executeCommand", { command: add!.command!.command, arguments: add!.command!.arguments });
    const change = await waitFor("a ctxsteward/bundle notification", () => s.changes.slice(before).find((c) => c.cause === "add"));
    const action = follower.onBundle(change);
    expect(action.kind).toBe("show");
    if (action.kind !== "show") return;
    expect(action.bundle).toEqual(parseBundle(result));
    // Just that definition, added (not pinned: the code action does not pin): no suggestion beside it.
    expect(action.bundle!.items.map((i) => [i.path, i.pinned, i.added])).toEqual([["app/retry.py", false, true]]);
    expect(buildTree(action.bundle).flatMap((n) => (n.kind === "tier" ? n.children : [])).map((r) => r.icon)).toEqual(["add"]);
    expect(action.bundle!.items[0].symbols).toContain("backoff");
    expect(buildTree(action.bundle)[0]).toMatchObject({ kind: "tier", label: "Core" });
    expect(statusView("running", action.totals).text).toMatch(/^\$\(book\) 1 file · [\d.k]+\/4k tokens$/);
    // Removing the only pin of a bundle of pins leaves none: announced too.
    const cleared = await run(SERVER_COMMANDS.removeFromBundle, { uri: uri("app/retry.py") });
    expect(cleared).toBeNull();
    const none = await waitFor("the bundle cleared", () => s.changes.find((c) => c.version > change.version));
    expect(follower.onBundle(none)).toMatchObject({ kind: "show", bundle: undefined });
    await s.conn.sendNotification("textDocument/didClose", { textDocument: { uri: uri("app/retry.py") } });
  });

  it("suggests a bundle for a file: the tree, and the status bar from ctxsteward/budget", async () => {
    const before = s.budgets.length;
    const result = await run(SERVER_COMMANDS.suggestBundle, suggestArgs({ uri: uri("app/http.py"), budget: 4000 }));
    const bundle = parseBundle(result);
    expect(bundle, JSON.stringify(result).slice(0, 500)).toBeDefined();
    expect(bundle!.budget).toBe(4000);
    expect(bundle!.seeds.join(" ")).toContain("app/http.py");
    const paths = bundle!.items.map((i) => i.path);
    expect(paths[0]).toBe("app/http.py");
    expect(paths).toContain("app/retry.py");
    expect(paths).toContain("tests/test_http.py"); // until the settings change excludes tests/**
    expect(bundle!.totalTokens).toBeGreaterThan(0);
    expect(bundle!.totalTokens).toBeLessThanOrEqual(4000);
    const tree = buildTree(bundle);
    expect(tree[0]).toMatchObject({ kind: "tier", tier: "core" });
    // The "jitter" commit changed the seed: the real server's decisions become the Decisions group.
    const decisions = tree.find((n) => n.kind === "decisionGroup");
    if (decisions?.kind !== "decisionGroup") throw new Error(`no Decisions group: ${JSON.stringify(result).slice(0, 500)}`);
    const jitter = decisions.children.find((c) => c.label === "2024-01-01 jitter");
    expect(jitter, decisions.children.map((c) => c.label).join(", ")).toBeDefined();
    expect(jitter!.description).toMatch(/^[0-9a-f]{10}$/);
    expect(jitter!.tooltip).toContain("Files: app/http.py");
    const note = await waitFor("a ctxsteward/budget notification", () => s.budgets.slice(before).map(parseBudget).find((b) => b?.present));
    expect(note.totalTokens).toBe(bundle!.totalTokens);
    expect(note.budget).toBe(4000);
    expect(statusView("running", note).text).toMatch(/^\$\(book\) \d+ files · /);
  });

  it("suggests a bundle for a task", async () => {
    const bundle = parseBundle(await run(SERVER_COMMANDS.suggestBundle, suggestArgs({ uri: pathToFileURL(root).toString(), task: "change the retry backoff delay" })));
    expect(bundle?.task).toBe("change the retry backoff delay");
    expect(bundle!.items.map((i) => i.path)).toContain("app/retry.py");
  });

  it("adds, pins and removes items, copying the bundle as Markdown and XML", async () => {
    await run(SERVER_COMMANDS.suggestBundle, suggestArgs({ uri: uri("app/http.py"), budget: 4000 }));
    const added = parseBundle(await run(SERVER_COMMANDS.addToBundle, { uri: uri("README.md") }));
    expect(added?.items.map((i) => i.path)).toContain("README.md");
    const removed = parseBundle(await run(SERVER_COMMANDS.removeFromBundle, { uri: uri("README.md") }));
    expect(removed?.items.map((i) => i.path)).not.toContain("README.md");
    const md = resultText(await run(SERVER_COMMANDS.copyBundle, { format: "markdown" }));
    expect(md).toContain("app/http.py");
    expect(md).toContain("```");
    const xml = resultText(await run(SERVER_COMMANDS.copyBundle, { format: "xml" }));
    expect(xml).toMatch(/<[^>]+app\/http\.py/);
  });

  it("saves the bundle", async () => {
    const r = await run(SERVER_COMMANDS.saveBundle, { name: "vscode-test" });
    expect(JSON.stringify(r)).toContain("vscode-test");
    expect(JSON.parse(readFileSync(join(root, ".ctxsteward/bundles/vscode-test.json"), "utf8"))).toHaveProperty("bundle");
  });

  it("previews and writes the handoff note", async () => {
    const preview = resultText(await run(SERVER_COMMANDS.previewHandoff, { path: "HANDOFF.md" }));
    expect(preview).toMatch(/app\/(http|retry)\.py/);
    await run(SERVER_COMMANDS.generateHandoff, { path: "HANDOFF.md" });
    expect(readFileSync(join(root, "HANDOFF.md"), "utf8")).toMatch(/app\/(http|retry)\.py/);
  }, 60_000);

  it("checks the instruction files", async () => {
    const r = await run(SERVER_COMMANDS.checkInstructions, {});
    // The extension shows the first line of `text` and puts the rest in the output channel.
    const text = resultText(r) ?? "";
    expect(text).toContain("AGENTS.md");
    expect(text).toContain("app/retries.py");
  }, 60_000);

  it("takes a settings change like the extension sends it", async () => {
    const shownBefore = s.shown.length;
    const next = mapSettings({ encoding: "cl100k_base", budget: 2000, exclude: ["tests/**"] });
    current = next.server;
    await s.conn.sendNotification("workspace/didChangeConfiguration", { settings: { ctxsteward: next.server } });
    let b;
    for (let i = 0; i < 100; i++) {
      b = parseBundle(await run(SERVER_COMMANDS.suggestBundle, suggestArgs({ uri: uri("app/http.py") })));
      if (b?.budget === 2000 && !b.items.some((i) => i.path.startsWith("tests/"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(b).toMatchObject({ budget: 2000, encoding: "cl100k_base" });
    expect(b?.items.map((i) => i.path) ?? []).not.toContain("tests/test_http.py");
    expect(s.shown.slice(shownBefore).filter((m) => /setting/i.test(m.message))).toEqual([]);
  }, 60_000);
});
