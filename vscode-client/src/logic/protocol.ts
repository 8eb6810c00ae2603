/**
 * The server's side of the conversation: `workspace/executeCommand` names, their arguments and
 * how their results are read. Shared by the extension and the protocol test that drives a real
 * `ctxsteward serve`. No `vscode` import.
 */

export const SERVER_COMMANDS = {
  suggestBundle: "ctxsteward.suggestBundle",
  addToBundle: "ctxsteward.addToBundle",
  removeFromBundle: "ctxsteward.removeFromBundle",
  pinInBundle: "ctxsteward.pinInBundle",
  copyBundle: "ctxsteward.copyBundle",
  saveBundle: "ctxsteward.saveBundle",
  currentBundle: "ctxsteward.currentBundle",
  showBudget: "ctxsteward.showBudget",
  showJobs: "ctxsteward.showJobs",
  generateHandoff: "ctxsteward.generateHandoff",
  previewHandoff: "ctxsteward.previewHandoff",
  checkInstructions: "ctxsteward.checkInstructions",
} as const;

export type ServerCommand = (typeof SERVER_COMMANDS)[keyof typeof SERVER_COMMANDS];

/** The custom notification with the current bundle's totals (sent when they change). */
export const BUDGET_NOTIFICATION = "ctxsteward/budget";
/** The custom notification announcing each change of the current bundle: `{version, cause, bundle, totals, notes}`. */
export const BUNDLE_NOTIFICATION = "ctxsteward/bundle";
/** The custom request listing the scheduler's jobs. */
export const JOBS_REQUEST = "ctxsteward/jobs";

export interface LspPosition {
  line: number;
  character: number;
}

export interface SuggestArgs {
  uri?: string;
  position?: LspPosition;
  task?: string;
  budget?: number;
}

export function suggestArgs(a: SuggestArgs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.uri) out.uri = a.uri;
  if (a.position) out.position = { line: a.position.line, character: a.position.character };
  if (a.task && a.task.trim() !== "") out.task = a.task.trim();
  if (a.budget !== undefined && a.budget > 0) out.budget = a.budget;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A command's human-readable text: a bare string, or `text`/`markdown`/`content`/`rendered`. */
export function resultText(result: unknown): string | undefined {
  if (typeof result === "string") return result;
  if (isRecord(result)) {
    for (const k of ["text", "markdown", "rendered", "content", "note"]) {
      const v = result[k];
      if (typeof v === "string") return v;
    }
  }
  return undefined;
}

/** A problem the server reported in a result (`problem`, `error`, or `problems: [...]`). */
export function resultProblem(result: unknown): string | undefined {
  if (!isRecord(result)) return undefined;
  if (typeof result.problem === "string" && result.problem) return result.problem;
  if (typeof result.error === "string" && result.error) return result.error;
  if (Array.isArray(result.problems)) {
    const ps = result.problems.filter((p): p is string => typeof p === "string" && p !== "");
    if (ps.length > 0) return ps.join("; ");
  }
  return undefined;
}

/** A file the command wrote (`path`, `file`, `out` or `written`), if any. */
export function resultPath(result: unknown): string | undefined {
  if (!isRecord(result)) return undefined;
  for (const k of ["path", "file", "out", "written", "saved"]) {
    const v = result[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/** The commands a server advertises in its `executeCommandProvider`. */
export function advertisedCommands(initializeResult: unknown): Set<string> {
  const caps = isRecord(initializeResult) && isRecord(initializeResult.capabilities) ? initializeResult.capabilities : undefined;
  const provider = caps && isRecord(caps.executeCommandProvider) ? caps.executeCommandProvider : undefined;
  const cmds = provider && Array.isArray(provider.commands) ? provider.commands : [];
  return new Set(cmds.filter((c): c is string => typeof c === "string"));
}
