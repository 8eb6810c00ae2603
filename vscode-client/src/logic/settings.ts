/**
 * VS Code settings (`ctxsteward.*`) -> the server's settings, sent as `initializationOptions` and
 * with `workspace/didChangeConfiguration`. The server accepts camelCase keys (it converts them to
 * its snake_case names) and reports any key it does not know, so only the analysis settings go
 * there, with the handoff note's path; client-only settings (server command, handoff test command,
 * copy format) stay here.
 * No `vscode` import: unit-tested with vitest.
 */

/** The `ctxsteward` configuration section as VS Code returns it (`getConfiguration("ctxsteward")`). */
export interface ClientConfig {
  encoding?: unknown;
  profile?: unknown;
  budget?: unknown;
  contextWindow?: unknown;
  maxFileSize?: unknown;
  exclude?: unknown;
  instructionFiles?: unknown;
  /** `{ minTokens }` */
  inlayHints?: unknown;
  /** `{ path, testCommand }` */
  handoff?: unknown;
  copyFormat?: unknown;
}

/** What the server receives (its own names, camelCase). Absent keys keep the server's defaults. */
export interface ServerSettings {
  encoding?: string;
  profile?: string;
  defaultBudget?: number;
  contextWindow?: number;
  maxFileSize?: number;
  exclude?: string[];
  instructionFiles?: string[];
  /** Definitions under this many tokens get no inlay hint (a server option). */
  inlayHintMinTokens?: number;
  /** The note `ctxsteward.generateHandoff` writes (root-relative). */
  handoffPath?: string;
}

export interface ClientSettings {
  handoffPath: string;
  handoffTestCommand: string | undefined;
  copyFormat: "markdown" | "xml" | "ask";
}

export interface MappedSettings {
  server: ServerSettings;
  client: ClientSettings;
  /** One line per setting that was ignored, for the output channel. */
  problems: string[];
}

const DEFAULT_HANDOFF_PATH = "HANDOFF.md";

function positiveInt(name: string, v: unknown, problems: string[]): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
  problems.push(`ctxsteward.${name} must be a positive whole number (got ${JSON.stringify(v)}); using the server's default`);
  return undefined;
}

function wholeNumber(name: string, v: unknown, problems: string[]): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  problems.push(`ctxsteward.${name} must be a whole number, 0 or more (got ${JSON.stringify(v)}); using the server's default`);
  return undefined;
}

function stringList(name: string, v: unknown, problems: string[]): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    problems.push(`ctxsteward.${name} must be a list of strings; using the server's default`);
    return undefined;
  }
  const out = v.filter((s): s is string => typeof s === "string").map((s) => s.trim()).filter((s) => s !== "");
  if (out.length !== v.length) problems.push(`ctxsteward.${name}: entries that are not non-empty strings were dropped`);
  return out;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

export function mapSettings(config: ClientConfig): MappedSettings {
  const problems: string[] = [];
  const server: ServerSettings = {};
  const encoding = text(config.encoding);
  if (encoding) server.encoding = encoding;
  const profile = text(config.profile);
  if (profile) server.profile = profile;
  const budget = positiveInt("budget", config.budget, problems);
  if (budget !== undefined) server.defaultBudget = budget;
  // 0 or empty means "the profile's window".
  const window = config.contextWindow === 0 ? undefined : positiveInt("contextWindow", config.contextWindow, problems);
  if (window !== undefined) server.contextWindow = window;
  const maxFileSize = positiveInt("maxFileSize", config.maxFileSize, problems);
  if (maxFileSize !== undefined) server.maxFileSize = maxFileSize;
  const exclude = stringList("exclude", config.exclude, problems);
  if (exclude !== undefined) server.exclude = exclude;
  // An empty list means "the server's default list" (CLAUDE.md, AGENTS.md, ...).
  const instructionFiles = stringList("instructionFiles", config.instructionFiles, problems);
  if (instructionFiles !== undefined && instructionFiles.length > 0) server.instructionFiles = instructionFiles;

  const hints = typeof config.inlayHints === "object" && config.inlayHints !== null
    ? (config.inlayHints as { minTokens?: unknown })
    : {};
  const minTokens = wholeNumber("inlayHints.minTokens", hints.minTokens, problems);
  if (minTokens !== undefined) server.inlayHintMinTokens = minTokens;

  const handoff = typeof config.handoff === "object" && config.handoff !== null
    ? (config.handoff as { path?: unknown; testCommand?: unknown })
    : {};
  const handoffPath = text(handoff.path) ?? DEFAULT_HANDOFF_PATH;
  server.handoffPath = handoffPath;
  const copyFormat = config.copyFormat === "markdown" || config.copyFormat === "xml" ? config.copyFormat : "ask";
  return {
    server,
    client: { handoffPath, handoffTestCommand: text(handoff.testCommand), copyFormat },
    problems,
  };
}

/** Keys of `server` whose values differ (for the output channel on a settings change). */
export function changedKeys(before: ServerSettings, after: ServerSettings): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ServerSettings>;
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}
