/**
 * Which command starts `ctxsteward serve`, and what to tell the user when none works.
 *
 * Order: the `ctxsteward.server.command` setting when set (nothing else is tried); otherwise an
 * installed Context Steward (the Python extension's selected interpreter running
 * `-m server.cli serve`, then `ctxsteward serve` from PATH), then the server bundled in a
 * platform build of the extension, run by the first Python it finds (the selected interpreter,
 * then python3.13, python3.12, python3.11, python3 on PATH). No `vscode` import: unit-tested
 * with vitest.
 */

export type CandidateSource = "setting" | "python" | "path" | "bundled";

/** The server a platform build carries (bundled/manifest.json): its launcher and Python versions. */
export interface BundledServer {
  /** Absolute path of bundled/launch.py. */
  launcher: string;
  /** Python minor versions it has libraries for, e.g. ["3.11", "3.12", "3.13"]. */
  pythons: string[];
  /** The VS Code target it was built for (linux-x64, ...). */
  target: string;
}

export interface Candidate {
  command: string;
  args: string[];
  source: CandidateSource;
  /** For messages: "the setting ctxsteward.server.command", "the selected Python interpreter". */
  origin: string;
}

/** Split a command line the way a shell would for plain words, quotes and backslash escapes. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: '"' | "'" | null = null;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length && '"\\'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur !== "" || any) out.push(cur);
      cur = "";
      any = false;
    } else {
      cur += c;
    }
  }
  if (cur !== "" || any) out.push(cur);
  return out;
}

const PYTHON_RE = /(^|[\\/])(python|pythonw|py)(\d+(\.\d+)?)?(\.exe)?$/i;

export function looksLikePython(command: string): boolean {
  return PYTHON_RE.test(command);
}

/**
 * The configured command as argv: a string (split like a shell line) or a list. A bare Python
 * interpreter gets `-m server.cli serve`; any other command without a `serve` argument gets `serve`.
 * Undefined when the setting is empty.
 */
export function configuredArgv(setting: unknown): string[] | undefined {
  let argv: string[];
  if (typeof setting === "string") argv = splitCommandLine(setting.trim());
  else if (Array.isArray(setting)) argv = setting.filter((s): s is string => typeof s === "string" && s !== "");
  else return undefined;
  if (argv.length === 0) return undefined;
  if (argv.includes("serve")) return argv;
  if (argv.length === 1 && looksLikePython(argv[0])) return [...argv, "-m", "server.cli", "serve"];
  if (argv.includes("-m") && argv[argv.length - 1] !== "serve") return [...argv, "serve"];
  return [...argv, "serve"];
}

export interface ResolveInputs {
  /** `ctxsteward.server.command` (string or list; empty = automatic). */
  setting: unknown;
  /** The Python extension's selected interpreter as argv (e.g. ["/venv/bin/python"]), if any. */
  pythonInterpreter?: string[];
  /** The bundled server, in a platform build of the extension. */
  bundled?: BundledServer;
  /** process.platform (the names of Pythons on PATH differ on Windows). */
  platform?: string;
}

/** Sort "3.13" before "3.12": newest Python first. */
function newestFirst(versions: string[]): string[] {
  const key = (v: string) => v.split(".").map((n) => Number(n));
  return [...versions].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (y[0] - x[0]) || (y[1] - x[1]);
  });
}

/**
 * The interpreters the bundled server may run on, in the order tried: the selected interpreter,
 * then each bundled version by name on PATH (newest first), then the generic name.
 */
export function bundledInterpreters(pythons: string[], selected: string[] | undefined, platform = "linux"): string[][] {
  const out: string[][] = [];
  const add = (argv: string[]) => {
    if (argv.length > 0 && !out.some((o) => o.join("\0") === argv.join("\0"))) out.push(argv);
  };
  const sel = selected?.filter((s) => s !== "");
  if (sel && sel.length > 0) add(sel);
  for (const v of newestFirst(pythons)) add(platform === "win32" ? ["py", `-${v}`] : [`python${v}`]);
  add(platform === "win32" ? ["python"] : ["python3"]);
  return out;
}

/** The flags the bundled server runs with: isolated (-I: no PYTHONPATH, no user site), no site-packages (-S), unbuffered (-u). */
export const BUNDLED_FLAGS = ["-I", "-S", "-u"];

export function candidates(inputs: ResolveInputs): Candidate[] {
  const configured = configuredArgv(inputs.setting);
  if (configured) {
    return [{ command: configured[0], args: configured.slice(1), source: "setting", origin: "the setting ctxsteward.server.command" }];
  }
  const out: Candidate[] = [];
  const py = inputs.pythonInterpreter?.filter((s) => s !== "");
  if (py && py.length > 0) {
    out.push({
      command: py[0],
      args: [...py.slice(1), "-m", "server.cli", "serve"],
      source: "python",
      origin: "the Python extension's selected interpreter",
    });
  }
  out.push({ command: "ctxsteward", args: ["serve"], source: "path", origin: "ctxsteward on PATH" });
  if (inputs.bundled) {
    for (const interp of bundledInterpreters(inputs.bundled.pythons, py, inputs.platform)) {
      out.push({
        command: interp[0],
        args: [...interp.slice(1), ...BUNDLED_FLAGS, inputs.bundled.launcher, "serve"],
        source: "bundled",
        origin: `the bundled server on ${displayArgv(interp)}`,
      });
    }
  }
  return out;
}

/** The same command with `--version` in place of `serve`: a quick check that it can start. */
export function probeArgv(c: Candidate): string[] {
  const i = c.args.lastIndexOf("serve");
  const head = i >= 0 ? c.args.slice(0, i) : c.args;
  return [c.command, ...head, "--version"];
}

export function displayArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

export type ProbeFailureKind = "not-found" | "not-executable" | "no-module" | "old-python" | "python-version" | "timeout" | "exit";

export interface ProbeResult {
  ok: boolean;
  /** The version line on success ("ctxsteward 0.1.0"). */
  version?: string;
  failure?: ProbeFailureKind;
  /** Exit code, signal or error text; the end of stderr. */
  detail?: string;
}

/** Classify a failed probe from its spawn error code, exit code and output. */
export function classifyProbe(spawnError: string | undefined, exitCode: number | null, output: string, timedOut: boolean): ProbeResult {
  if (timedOut) return { ok: false, failure: "timeout", detail: "no answer to --version within the time limit" };
  if (spawnError === "ENOENT") return { ok: false, failure: "not-found", detail: "no such command" };
  if (spawnError === "EACCES") return { ok: false, failure: "not-executable", detail: "permission denied" };
  if (spawnError) return { ok: false, failure: "exit", detail: spawnError };
  const tail = output.trim().split(/\r?\n/).slice(-3).join("\n");
  if (exitCode === 0) {
    const line = output.split(/\r?\n/).find((l) => /ctxsteward/i.test(l)) ?? output.trim().split(/\r?\n/)[0] ?? "";
    return { ok: true, version: line.trim() };
  }
  const wrongPython = /the bundled server requires Python [^;]*; this is (Python [\d.]+)/.exec(output);
  if (wrongPython) return { ok: false, failure: "python-version", detail: wrongPython[1] };
  if (/No module named ['"]?(server|analyzers|pygls|lsprotocol|tiktoken|tree_sitter|pydantic)/.test(output)) {
    return { ok: false, failure: "no-module", detail: tail };
  }
  if (/SyntaxError|requires Python|python_requires|unsupported operand type\(s\) for \|/.test(output)) {
    return { ok: false, failure: "old-python", detail: tail };
  }
  return { ok: false, failure: "exit", detail: `exit code ${exitCode}${tail ? `: ${tail}` : ""}` };
}

export interface StartAdvice {
  message: string;
  /** Buttons, in order. */
  actions: ("Open Settings" | "Select Interpreter" | "Show Log")[];
}

type Tried = { candidate: Candidate; result: ProbeResult };

/** Why the configured command failed, and what to do. */
function settingAdvice(t: Tried): string {
  const r = t.result;
  const cmd = displayArgv([t.candidate.command, ...t.candidate.args]);
  const clear = "clear it to use an installed ctxsteward or the server bundled with the extension";
  if (r.failure === "not-found") return `Context Steward: the server command “${cmd}” from ctxsteward.server.command was not found. Fix the path in the setting, or ${clear}.`;
  if (r.failure === "no-module") return `Context Steward: “${cmd}” (ctxsteward.server.command) runs a Python without Context Steward installed (${r.detail ?? "module missing"}). Point the setting at an interpreter or a ctxsteward that has it, or ${clear}.`;
  if (r.failure === "old-python") return `Context Steward: “${cmd}” (ctxsteward.server.command) runs a Python that is too old for Context Steward (Python 3.11 or newer is needed).`;
  return `Context Steward: the server command “${cmd}” (ctxsteward.server.command) failed: ${r.detail ?? r.failure ?? "unknown error"}.`;
}

/** One tried interpreter of the bundled server, in a few words. */
function bundledPart(t: Tried): string {
  const interp = displayArgv([t.candidate.command, ...t.candidate.args.slice(0, t.candidate.args.indexOf(BUNDLED_FLAGS[0]))]);
  const r = t.result;
  if (r.failure === "not-found") return `${interp} is not on PATH`;
  if (r.failure === "python-version") return `${interp} is ${r.detail ?? "another version"}`;
  if (r.failure === "old-python") return `${interp} is too old`;
  return `${interp} failed: ${r.detail ?? r.failure}`;
}

/** "a, b or c" */
function orList(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/**
 * What to tell the user when no candidate started (`tried` in the order tried). `bundled` is the
 * server this build carries (undefined in the universal build, which carries none).
 */
export function startAdvice(tried: Tried[], pythonExtension: boolean, bundled?: BundledServer): StartAdvice {
  const setting = tried.find((t) => t.candidate.source === "setting");
  if (setting) return { message: settingAdvice(setting), actions: ["Open Settings", "Show Log"] };
  const actions: StartAdvice["actions"] = pythonExtension ? ["Select Interpreter", "Open Settings", "Show Log"] : ["Open Settings", "Show Log"];
  if (bundled) {
    const parts = tried.filter((t) => t.candidate.source === "bundled").map(bundledPart);
    const versions = orList(newestFirst(bundled.pythons).reverse());
    return {
      message: `Context Steward cannot start its bundled server: it runs on Python ${versions}, and none was found (${parts.join("; ")}). ` +
        `Install one of them${pythonExtension ? ", select it with “Python: Select Interpreter”," : ""} or set ctxsteward.server.command to a ctxsteward you installed.`,
      actions,
    };
  }
  const parts: string[] = [];
  const python = tried.find((t) => t.candidate.source === "python");
  if (python) {
    const r = python.result;
    const interp = displayArgv([python.candidate.command]);
    if (r.failure === "no-module") parts.push(`the selected Python interpreter (${interp}) does not have Context Steward installed`);
    else if (r.failure === "old-python") parts.push(`the selected Python interpreter (${interp}) is too old (Python 3.11 or newer is needed)`);
    else if (r.failure === "not-found") parts.push(`the selected Python interpreter (${interp}) does not exist`);
    else parts.push(`the selected Python interpreter (${interp}) failed: ${r.detail ?? r.failure}`);
  }
  const onPath = tried.find((t) => t.candidate.source === "path");
  if (onPath) {
    const r = onPath.result;
    parts.push(r.failure === "not-found" ? "`ctxsteward` is not on PATH" : `\`ctxsteward\` on PATH failed: ${r.detail ?? r.failure}`);
  }
  return {
    message: `Context Steward cannot start its server: ${parts.join(", and ")}. This build of the extension carries no server: ` +
      "install the platform build (ctxsteward-<platform>-<version>.vsix), or install Context Steward from a checkout of its repository " +
      "(pip install .) and select that interpreter or set ctxsteward.server.command.",
    actions,
  };
}
