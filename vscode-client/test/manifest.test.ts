import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_COMMANDS } from "../src/logic/protocol";

const root = join(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string; group?: string }[]>;
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    configuration: { properties: Record<string, { type: unknown; default?: unknown }> };
    configurationDefaults?: Record<string, unknown>;
  };
  devDependencies: Record<string, string>;
};
const sources = readdirSync(join(root, "src"), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(join(root, "src", f), "utf8"))
  .join("\n");

describe("package.json manifest", () => {
  it("keeps at most three buttons on the bundle view's title bar, the rest in its ... menu", () => {
    // More buttons squeeze the figure beside the view's title ("15.9k/16k") down to "1".
    const onBar = pkg.contributes.menus["view/title"].filter((m) => (m.group ?? "").startsWith("navigation"));
    expect(onBar.map((m) => m.command)).toEqual(["contextSteward.suggestBundleForFile", "contextSteward.copyBundle"]);
    expect(pkg.contributes.menus["view/title"].length).toBeGreaterThan(onBar.length);
  });

  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  const registered = new Set([...sources.matchAll(/reg\("(contextSteward\.[A-Za-z]+)"/g)].map((m) => m[1]));

  it("contributes every palette command of the issue, in the Context Steward category", () => {
    const titles = pkg.contributes.commands.map((c) => c.title);
    for (const t of [
      "Suggest Bundle for Current File", "Suggest Bundle for Task…", "Add to Bundle", "Remove from Bundle",
      "Copy Bundle as Prompt", "Save Bundle…", "Generate Handoff Note", "Preview Handoff Note",
      "Check Instruction Files", "Show Jobs", "Restart Server",
    ]) expect(titles).toContain(t);
    for (const c of pkg.contributes.commands) expect(c.category).toBe("Context Steward");
  });

  it("registers exactly the contributed commands", () => {
    expect([...registered].sort()).toEqual([...contributed].sort());
  });

  it("never contributes a command id the language client registers for the server", () => {
    for (const id of Object.values(SERVER_COMMANDS)) expect(contributed.has(id)).toBe(false);
  });

  it("menus only name contributed commands, and the view has its inline actions", () => {
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      for (const e of entries) expect(contributed.has(e.command), `${menu}: ${e.command}`).toBe(true);
    }
    const inline = pkg.contributes.menus["view/item/context"].filter((e) => e.when?.includes("bundleItem")).map((e) => e.command);
    expect(inline).toEqual(["contextSteward.openItem", "contextSteward.pinInBundle", "contextSteward.removeFromBundle"]);
  });

  it("has the bundle view in the explorer, with the id the code and the status bar use", () => {
    expect(pkg.contributes.views.explorer).toEqual([expect.objectContaining({ id: "contextSteward.bundle", name: "Context Bundle" })]);
    expect(sources).toContain('"contextSteward.bundle"');
    expect(sources).toContain('"contextSteward.bundle.focus"');
    expect(pkg.contributes.viewsWelcome[0].view).toBe("contextSteward.bundle");
  });

  it("declares every setting the code reads", () => {
    const props = pkg.contributes.configuration.properties;
    const read = [...sources.matchAll(/\.get(?:<[^>]+>)?\("([a-zA-Z.]+)"\)/g)].map((m) => `ctxsteward.${m[1]}`);
    expect(read.length).toBeGreaterThan(8);
    for (const key of read) expect(props, key).toHaveProperty([key]);
    for (const key of ["ctxsteward.server.command", "ctxsteward.encoding", "ctxsteward.budget", "ctxsteward.contextWindow", "ctxsteward.exclude", "ctxsteward.instructionFiles", "ctxsteward.handoff.path"]) {
      expect(props, key).toHaveProperty([key]);
    }
  });

  it("activates as a repository opens, so the server is up before the first file's hover", () => {
    // onStartupFinished alone came after the file's tab opened: its first hover waited for the
    // activation, the --version probe and the server's start in turn.
    expect(pkg.activationEvents).toContain("workspaceContains:.git");
    expect(pkg.activationEvents).toContain("onLanguage");
  });

  it("points main at the bundle and keeps @types/vscode within the engine", () => {
    expect(pkg.main).toBe("./dist/extension.js");
    const engine = pkg.engines.vscode.replace(/^\^/, "");
    const types = pkg.devDependencies["@types/vscode"].replace(/^[\^~]/, "");
    const [a, b] = [engine, types].map((v) => v.split(".").map(Number));
    expect(b[0] * 1000 + b[1]).toBeLessThanOrEqual(a[0] * 1000 + a[1]);
  });

  it("hides the server's cache folder from the explorer", () => {
    expect(pkg.contributes.configurationDefaults?.["files.exclude"]).toEqual({ "**/.ctxsteward": true });
  });
});
