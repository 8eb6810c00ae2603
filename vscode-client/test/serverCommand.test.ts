import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBundled } from "../src/logic/bundled";
import { firstWorking, probe } from "../src/logic/probe";
import { bundledInterpreters, type Candidate, candidates, classifyProbe, configuredArgv, type ProbeResult, probeArgv, splitCommandLine, startAdvice } from "../src/logic/serverCommand";

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

  it("explains a missing install without advice that cannot work", () => {
    const [py, path] = candidates({ setting: "", pythonInterpreter: ["/venv/bin/python"] });
    const advice = startAdvice([
      { candidate: py, result: { ok: false, failure: "no-module", detail: "No module named 'server'" } },
      { candidate: path, result: { ok: false, failure: "not-found" } },
    ], true);
    expect(advice.message).toBe("Context Steward cannot start its server: the selected Python interpreter (/venv/bin/python) does not have Context Steward installed, and `ctxsteward` is not on PATH. " +
      "This build of the extension carries no server: install the platform build (ctxsteward-<platform>-<version>.vsix), or install Context Steward from a checkout of its repository (pip install .) and select that interpreter or set ctxsteward.server.command.");
    expect(advice.message).not.toContain("pip install ctxsteward");
    expect(advice.actions).toEqual(["Select Interpreter", "Open Settings", "Show Log"]);
  });

  it("explains a wrong setting", () => {
    const [c] = candidates({ setting: "/nope/ctxsteward" });
    const advice = startAdvice([{ candidate: c, result: { ok: false, failure: "not-found" } }], false);
    expect(advice.message).toContain("“/nope/ctxsteward serve” from ctxsteward.server.command was not found");
    expect(advice.message).toContain("clear it to use an installed ctxsteward or the server bundled with the extension");
    expect(advice.actions).toEqual(["Open Settings", "Show Log"]);
    const [p] = candidates({ setting: "/old/python3.9" });
    expect(startAdvice([{ candidate: p, result: { ok: false, failure: "old-python" } }], false).message).toContain("too old");
    const [m] = candidates({ setting: "/venv/bin/python" });
    const noMod = startAdvice([{ candidate: m, result: { ok: false, failure: "no-module", detail: "No module named 'server'" } }], false);
    expect(noMod.message).not.toMatch(/pip install/);
    const only = candidates({ setting: "" });
    const a2 = startAdvice([{ candidate: only[0], result: { ok: false, failure: "not-found" } }], false);
    expect(a2.message).toMatch(/^Context Steward cannot start its server: `ctxsteward` is not on PATH\. This build of the extension carries no server/);
    expect(a2.actions).not.toContain("Select Interpreter");
  });
});

describe("the bundled server's interpreters", () => {
  const bundled = { launcher: "/ext/bundled/launch.py", pythons: ["3.11", "3.13", "3.12"], target: "linux-x64" };

  it("tries the selected interpreter, then each bundled version newest first, then python3", () => {
    expect(bundledInterpreters(bundled.pythons, ["/venv/bin/python"], "linux")).toEqual([
      ["/venv/bin/python"], ["python3.13"], ["python3.12"], ["python3.11"], ["python3"]]);
    expect(bundledInterpreters(["3.12"], undefined, "darwin")).toEqual([["python3.12"], ["python3"]]);
    // The py launcher picks a version on Windows.
    expect(bundledInterpreters(["3.11", "3.12"], ["C:\\Py\\python.exe"], "win32")).toEqual([
      ["C:\\Py\\python.exe"], ["py", "-3.12"], ["py", "-3.11"], ["python"]]);
    // A selected interpreter named like a PATH one is tried once.
    expect(bundledInterpreters(["3.12"], ["python3.12"], "linux")).toEqual([["python3.12"], ["python3"]]);
  });

  it("comes after an installed server, isolated from the user's environment", () => {
    const all = candidates({ setting: "", pythonInterpreter: ["/venv/bin/python"], bundled, platform: "linux" });
    expect(all.map((c) => c.source)).toEqual(["python", "path", "bundled", "bundled", "bundled", "bundled", "bundled"]);
    const first = all[2];
    expect([first.command, ...first.args]).toEqual(["/venv/bin/python", "-I", "-S", "-u", "/ext/bundled/launch.py", "serve"]);
    expect(probeArgv(first)).toEqual(["/venv/bin/python", "-I", "-S", "-u", "/ext/bundled/launch.py", "--version"]);
    expect(all[3].origin).toBe("the bundled server on python3.13");
    const win = candidates({ setting: "", bundled, platform: "win32" });
    expect([win[1].command, ...win[1].args]).toEqual(["py", "-3.13", "-I", "-S", "-u", "/ext/bundled/launch.py", "serve"]);
    // A configured command is still the only one tried.
    expect(candidates({ setting: "/x/ctxsteward", bundled }).map((c) => c.source)).toEqual(["setting"]);
  });

  it("says which Pythons it tried when none fits", () => {
    const cands = candidates({ setting: "", pythonInterpreter: ["/usr/bin/python3.10"], bundled, platform: "linux" });
    const failures: ProbeResult[] = [
      { ok: false, failure: "no-module" },
      { ok: false, failure: "not-found" },
      classifyProbe(undefined, 3, "ctxsteward: the bundled server requires Python 3.11, 3.12, 3.13; this is Python 3.10.13 (/usr/bin/python3.10)\n", false),
      { ok: false, failure: "not-found" },
      { ok: false, failure: "not-found" },
      { ok: false, failure: "not-found" },
      classifyProbe(undefined, 3, "ctxsteward: the bundled server requires Python 3.11, 3.12, 3.13; this is Python 3.14.0 (/usr/bin/python3)\n", false),
    ];
    expect(failures[2]).toEqual({ ok: false, failure: "python-version", detail: "Python 3.10.13" });
    const advice = startAdvice(cands.map((candidate, i) => ({ candidate, result: failures[i] })), true, bundled);
    expect(advice.message).toBe("Context Steward cannot start its bundled server: it runs on Python 3.11, 3.12 or 3.13, and none was found " +
      "(/usr/bin/python3.10 is Python 3.10.13; python3.13 is not on PATH; python3.12 is not on PATH; python3.11 is not on PATH; python3 is Python 3.14.0). " +
      "Install one of them, select it with “Python: Select Interpreter”, or set ctxsteward.server.command to a ctxsteward you installed.");
    expect(advice.actions).toEqual(["Select Interpreter", "Open Settings", "Show Log"]);
  });
});

describe("readBundled", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ctxs-bundled-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a platform build's manifest and keeps only the versions it has libraries for", () => {
    expect(readBundled(join(dir, "absent"))).toBeUndefined();
    const b = join(dir, "bundled");
    mkdirSync(join(b, "libs", "cp312"), { recursive: true });
    mkdirSync(join(b, "libs", "common"), { recursive: true });
    writeFileSync(join(b, "manifest.json"), JSON.stringify({ target: "linux-x64", pythons: ["3.11", "3.12", "../x"] }));
    expect(readBundled(b)).toBeUndefined(); // no launcher
    writeFileSync(join(b, "launch.py"), "");
    expect(readBundled(b)).toEqual({ launcher: join(b, "launch.py"), pythons: ["3.12"], target: "linux-x64" });
    writeFileSync(join(b, "manifest.json"), "{not json");
    expect(readBundled(b)).toBeUndefined();
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
