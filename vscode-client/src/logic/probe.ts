/**
 * Run a candidate server command with `--version` to learn whether it can start (node only, no
 * `vscode` import): tested with vitest against real processes.
 */

import { spawn } from "node:child_process";
import { type Candidate, classifyProbe, type ProbeResult, probeArgv } from "./serverCommand";

export function probe(candidate: Candidate, options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProbeResult> {
  const argv = probeArgv(candidate);
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    let output = "";
    let settled = false;
    let timedOut = false;
    const done = (r: ProbeResult) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      resolve(classifyProbe(code ?? String(e), null, "", false));
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, timeoutMs);
    const take = (b: Buffer) => {
      if (output.length < 64_000) output += b.toString("utf8");
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e: NodeJS.ErrnoException) => done(classifyProbe(e.code ?? e.message, null, output, false)));
    child.on("close", (code) => done(classifyProbe(undefined, code, output, timedOut)));
  });
}

/** Probe candidates in order; the first that answers wins. */
export async function firstWorking(cands: Candidate[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{
  chosen?: Candidate;
  version?: string;
  tried: { candidate: Candidate; result: ProbeResult }[];
}> {
  const tried: { candidate: Candidate; result: ProbeResult }[] = [];
  for (const c of cands) {
    const result = await probe(c, options);
    tried.push({ candidate: c, result });
    if (result.ok) return { chosen: c, version: result.version, tried };
  }
  return { tried };
}
