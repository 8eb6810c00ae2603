import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstWorking, probe } from "../src/logic/probe";
import { type Candidate, candidates, classifyProbe, configuredArgv, probeArgv, splitCommandLine, startAdvice } from "../src/logic/serverCommand";

describe("splitCommandLine", () => {
  it("splits like a shell for words, quotes and escapes", () => {
    expect(splitCommandLine("ctxsteward serve")).toEqual(["ctxsteward", "serve"]);
    expect(splitCommandLine(`"/opt/my tools/python" -m server.cli`)).toEqual(["/opt/my tools/python", "-m", "server.cli"]);
    expect(splitCommandLine(`a\\ b 'c d' "e\\"f" ''`)).toEqual(["a b", "c d", 'e"f', ""]);
    expect(splitCommandLine("   ")).toEqual([]);
  });
});

describe("configuredArgv and candidates", () => {
  it("adds what is missing to the configured command", () => {
    expect(configuredArgv("/venv/bin/ctxsteward")).toEqual(["/venv/bin/ctxsteward", "serve"]);
    expect(configuredArgv("/venv/bin/python3.12")).toEqual(["/venv/bin/python3.12", "-m", "server.cli", "serve"]);
    expect(configuredArgv(["C:\\Py\\python.exe"])).toEqual(["C:\\Py\\python.exe", "-m", "server.cli", "serve"]);
    expect(configuredArgv("uv run ctxsteward serve --log-file /tmp/l")).toEqual(["uv", "run", "ctxsteward", "serve", "--log-file", "/tmp/l"]);
    expect(configuredArgv("/p/python -m server.cli")).toEqual(["/p/python", "-m", "server.cli", "serve"]);
    expect(configuredArgv("")).toBeUndefined();
    expect(configuredArgv([])).toBeUndefined();
    expect(configuredArgv(42)).toBeUndefined();
  });

  it("uses only the setting when set, else the interpreter then PATH", () => {
    expect(candidates({ setting: "/x/ctxsteward", pythonInterpreter: ["/venv/bin/python"] }).map((c) => c.source)).toEqual(["setting"]);
    const auto = candidates({ setting: "", pythonInterpreter: ["/venv/bin/python"] });
    expect(auto.map((c) => [c.command, ...c.args])).toEqual([["/venv/bin/python", "-m", "server.cli", "serve"], ["ctxsteward", "serve"]]);
    expect(candidates({ setting: [] }).map((c) => c.source)).toEqual(["path"]);
    expect(probeArgv(auto[0])).toEqual(["/venv/bin/python", "-m", "server.cli", "--version"]);
    expect(probeArgv(auto[1])).toEqual(["ctxsteward", "--version"]);
  });
});

describe("classifyProbe and startAdvice", () => {
  it("classifies failures", () => {
    expect(classifyProbe("ENOENT", null, "", false).failure).toBe("not-found");
    expect(classifyProbe(undefined, 1, "Traceback...\nModuleNotFoundError: No module named 'server'\n", false).failure).toBe("no-module");
    // What `python -m server.cli --version` prints in an interpreter without Context Steward:
    expect(classifyProbe(undefined, 1, "/usr/bin/python3: Error while finding module specification for 'server.cli' (ModuleNotFoundError: No module named 'server')\n", false).failure).toBe("no-module");
    expect(classifyProbe(undefined, 1, "  File x\n    match x:\nSyntaxError: invalid syntax", false).failure).toBe("old-python");
    expect(classifyProbe(undefined, 2, "usage: boom", false)).toMatchObject({ ok: false, failure: "exit", detail: "exit code 2: usage: boom" });
    expect(classifyProbe(undefined, null, "", true).failure).toBe("timeout");
    expect(classifyProbe(undefined, 0, "ctxsteward 0.1.0\n", false)).toEqual({ ok: true, version: "ctxsteward 0.1.0" });
  });

  it("explains a missing install with the interpreter's own pip", () => {
    const [py, path] = candidates({ setting: "", pythonInterpreter: ["/venv/bin/python"] });
    const advice = startAdvice([
      { candidate: py, result: { ok: false, failure: "no-module", detail: "No module named 'server'" } },
      { candidate: path, result: { ok: false, failure: "not-found" } },
    ], true);
    expect(advice.message).toBe("Context Steward cannot start its server: the selected Python interpreter (/venv/bin/python) does not have Context Steward installed, and `ctxsteward` is not on PATH. Install it (/venv/bin/python -m pip install ctxsteward), select an interpreter that has it, or set ctxsteward.server.command.");
    expect(advice.actions).toEqual(["Select Interpreter", "Copy Install Command", "Open Settings", "Show Log"]);
    expect(advice.installCommand).toBe("/venv/bin/python -m pip install ctxsteward");
  });

  it("explains a wrong setting", () => {
    const [c] = candidates({ setting: "/nope/ctxsteward" });
    const advice = startAdvice([{ candidate: c, result: { ok: false, failure: "not-found" } }], false);
    expect(advice.message).toContain("“/nope/ctxsteward serve” from ctxsteward.server.command was not found");
    expect(advice.actions[0]).toBe("Open Settings");
    const [p] = candidates({ setting: "/old/python3.9" });
    expect(startAdvice([{ candidate: p, result: { ok: false, failure: "old-python" } }], false).message).toContain("too old");
    const only = candidates({ setting: "" });
    const a2 = startAdvice([{ candidate: only[0], result: { ok: false, failure: "not-found" } }], false);
    expect(a2.message).toBe("Context Steward cannot start its server: `ctxsteward` is not on PATH. Install it (pip install ctxsteward), or set ctxsteward.server.command.");
    expect(a2.actions).not.toContain("Select Interpreter");
  });
});

describe("probe (real processes)", () => {
  let dir: string;
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const cand = (command: string, source: Candidate["source"] = "setting"): Candidate => ({ command, args: ["serve"], source, origin: "test" });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ctxs-probe-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts a command that answers --version", async () => {
    const ok = script("good", `[ "$1" = "--version" ] && echo "ctxsteward 9.9.9" && exit 0; exit 3`);
    expect(await probe(cand(ok))).toEqual({ ok: true, version: "ctxsteward 9.9.9" });
  });

  it("reports a missing command, a missing module and a hang", async () => {
    expect((await probe(cand(join(dir, "absent")))).failure).toBe("not-found");
    const noMod = script("nomod", `echo "ModuleNotFoundError: No module named 'server'" >&2; exit 1`);
    expect((await probe(cand(noMod))).failure).toBe("no-module");
    const hang = script("hang", "exec sleep 30");
    expect((await probe(cand(hang), { timeoutMs: 300 })).failure).toBe("timeout");
    const notExec = join(dir, "plain");
    writeFileSync(notExec, "echo hi\n");
    expect((await probe(cand(notExec))).failure).toBe("not-executable");
  });

  it("takes the first candidate that works", async () => {
    const bad = script("bad", "exit 1");
    const good = script("good2", `echo "ctxsteward 1.2.3"`);
    const r = await firstWorking([cand(bad, "python"), cand(good, "path")]);
    expect(r.chosen?.command).toBe(good);
    expect(r.version).toBe("ctxsteward 1.2.3");
    expect(r.tried.map((t) => t.result.ok)).toEqual([false, true]);
    const none = await firstWorking([cand(bad, "python")]);
    expect(none.chosen).toBeUndefined();
  });
});
