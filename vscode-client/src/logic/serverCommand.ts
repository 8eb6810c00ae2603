/**
 * Which command starts `ctxsteward serve`, and what to tell the user when none works.
 *
 * Order: the `ctxsteward.server.command` setting when set (nothing else is tried); otherwise the
 * Python extension's selected interpreter running `-m server.cli serve`, then `ctxsteward serve`
 * from PATH. No `vscode` import: unit-tested with vitest.
 */

export type CandidateSource = "setting" | "python" | "path";

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
}

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

export type ProbeFailureKind = "not-found" | "not-executable" | "no-module" | "old-python" | "timeout" | "exit";

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
  actions: ("Open Settings" | "Select Interpreter" | "Copy Install Command" | "Show Log")[];
  /** The shell command behind "Copy Install Command". */
  installCommand: string;
}

function installFor(c: Candidate | undefined): string {
  if (c && (c.source === "python" || (c.source === "setting" && looksLikePython(c.command)))) {
    return `${displayArgv([c.command])} -m pip install ctxsteward`;
  }
  return "pip install ctxsteward";
}

/** What to tell the user when no candidate started (`tried` in the order tried). */
export function startAdvice(tried: { candidate: Candidate; result: ProbeResult }[], pythonExtension: boolean): StartAdvice {
  const show = (c: Candidate) => displayArgv([c.command, ...c.args]);
  const setting = tried.find((t) => t.candidate.source === "setting");
  const python = tried.find((t) => t.candidate.source === "python");
  const actions: StartAdvice["actions"] = [];
  let message: string;
  let install = installFor(python?.candidate ?? setting?.candidate);
  if (setting) {
    const r = setting.result;
    const cmd = show(setting.candidate);
    if (r.failure === "not-found") message = `Context Steward: the server command “${cmd}” from ctxsteward.server.command was not found. Fix the path in the setting, or clear it to use the selected Python interpreter or ctxsteward on PATH.`;
    else if (r.failure === "no-module") message = `Context Steward: “${cmd}” (ctxsteward.server.command) runs a Python without Context Steward installed (${r.detail ?? "module missing"}). Install it into that Python (${install}) or point the setting at the right interpreter.`;
    else if (r.failure === "old-python") message = `Context Steward: “${cmd}” (ctxsteward.server.command) runs a Python that is too old for Context Steward (Python 3.11 or newer is needed).`;
    else message = `Context Steward: the server command “${cmd}” (ctxsteward.server.command) failed: ${r.detail ?? r.failure ?? "unknown error"}.`;
    actions.push("Open Settings", "Copy Install Command", "Show Log");
  } else {
    const onPath = tried.find((t) => t.candidate.source === "path");
    const parts: string[] = [];
    if (python) {
      const r = python.result;
      const interp = displayArgv([python.candidate.command]);
      if (r.failure === "no-module") parts.push(`the selected Python interpreter (${interp}) does not have Context Steward installed`);
      else if (r.failure === "old-python") parts.push(`the selected Python interpreter (${interp}) is too old (Python 3.11 or newer is needed)`);
      else if (r.failure === "not-found") parts.push(`the selected Python interpreter (${interp}) does not exist`);
      else parts.push(`the selected Python interpreter (${interp}) failed: ${r.detail ?? r.failure}`);
    }
    if (onPath) {
      const r = onPath.result;
      if (r.failure === "not-found") parts.push("`ctxsteward` is not on PATH");
      else parts.push(`\`ctxsteward\` on PATH failed: ${r.detail ?? r.failure}`);
    }
    message = `Context Steward cannot start its server: ${parts.join(", and ")}. ` +
      `Install it (${install}), ${python ? "select an interpreter that has it, " : ""}or set ctxsteward.server.command.`;
    if (!python) install = "pip install ctxsteward";
    if (pythonExtension) actions.push("Select Interpreter");
    actions.push("Copy Install Command", "Open Settings", "Show Log");
  }
  return { message, actions, installCommand: install };
}
