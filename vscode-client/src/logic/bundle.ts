/**
 * The bundle JSON the server returns from `ctxsteward.suggestBundle` (and the bundle commands that
 * change it), parsed defensively: the server is a separate process and may be newer or older.
 * No `vscode` import here: unit-tested with vitest.
 */

export type Tier = "core" | "related" | "peripheral";
/**
 * focused: a large seed, some definitions in full and signatures of the rest; excerpt: a file with
 * no definitions, the lines holding the task's words (else its top).
 */
export type Granularity = "file" | "symbols" | "skeleton" | "focused" | "excerpt";

export interface BundleItem {
  path: string;
  tier: Tier;
  granularity: Granularity;
  /** 1-based inclusive line ranges. */
  ranges: [number, number][];
  symbols: string[];
  tokens: number;
  score: number;
  reasons: string[];
  /** Pinned by the user (kept by every later suggestion). */
  pinned: boolean;
  /** Added by the user without a pin (the server's `added`): this bundle's only, never `pinned`. */
  added: boolean;
  /** Pinned or added, but shown smaller than added to fit the budget (the server's `shrunk`). */
  shrunk: boolean;
  /** Lines (1-based) shown with a secret value masked as `[redacted: KIND]`; empty for none. */
  redactedLines: number[];
  /** The kinds of secret masked (e.g. "Secret Keyword"). */
  redactedKinds: string[];
  /**
   * Task only: the 1-based inclusive lines (first, last) holding the task's words together, as
   * the ranking read them (possibly outside `ranges`); null when none stood out (an older server
   * sends none).
   */
  focus: [number, number] | null;
}

export interface ExcludedFile {
  path: string;
  reason: string;
}

/** A recent decision about the bundle's core files: a commit that changed them, or a section of
 * the handoff note that names them (texts redacted by the server). */
export interface Decision {
  kind: "commit" | "handoff-decisions" | "handoff-open-questions";
  /** The commit's short sha, or the note and its section (`HANDOFF.md#decisions`). */
  ref: string;
  /** YYYY-MM-DD (the commit's day, or the note's last change); may be empty. */
  date: string;
  /** The subject and the first lines of the body, or the section's lines. */
  text: string;
  files: string[];
  /** Pull request and issue ids it names (#123, GH-12, PROJ-123). */
  mentions: string[];
}

export interface Bundle {
  task: string | null;
  seeds: string[];
  budget: number;
  totalTokens: number;
  encoding: string;
  items: BundleItem[];
  excluded: ExcludedFile[];
  /** Recent decisions (an older server sends none: empty). */
  decisions: Decision[];
}

export const TIERS: readonly Tier[] = ["core", "related", "peripheral"];
const GRANULARITIES: readonly Granularity[] = ["file", "symbols", "skeleton", "focused", "excerpt"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown, fallback = 0): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

function ranges(v: unknown): [number, number][] {
  if (!Array.isArray(v)) return [];
  const out: [number, number][] = [];
  for (const r of v) {
    if (Array.isArray(r) && r.length === 2 && typeof r[0] === "number" && typeof r[1] === "number") {
      out.push([r[0], r[1]]);
    }
  }
  return out;
}

/** The item's `focus`: two positive integer lines, the first not after the last; else null. */
function focus(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [a, b] = v as unknown[];
  if (typeof a !== "number" || typeof b !== "number" || !Number.isInteger(a) || !Number.isInteger(b)) return null;
  return a >= 1 && a <= b ? [a, b] : null;
}

interface Redaction {
  lines: number[];
  kinds: string[];
}

/** The bundle's `redacted` list (path, lines, kinds) by path; malformed entries are skipped. */
function redactions(v: unknown): Map<string, Redaction> {
  const out = new Map<string, Redaction>();
  if (!Array.isArray(v)) return out;
  for (const r of v) {
    if (!isRecord(r) || typeof r.path !== "string") continue;
    const lines = Array.isArray(r.lines)
      ? r.lines.filter((n): n is number => typeof n === "number" && Number.isInteger(n) && n > 0)
      : [];
    out.set(r.path, { lines, kinds: strings(r.kinds) });
  }
  return out;
}

function item(v: unknown, pinnedPaths: ReadonlySet<string>,
  masked: ReadonlyMap<string, Redaction> = new Map()): BundleItem | undefined {
  if (!isRecord(v) || typeof v.path !== "string" || v.path === "") return undefined;
  const tier = TIERS.includes(v.tier as Tier) ? (v.tier as Tier) : "peripheral";
  const granularity = GRANULARITIES.includes(v.granularity as Granularity)
    ? (v.granularity as Granularity)
    : "file";
  const reasons = strings(v.reasons);
  // The server marks what the user pinned (`pinned: true`) and what they added without a pin
  // (`added: true`); an older server marks neither, and the caller may know (`pinnedPaths`). A
  // "pinned" reason alone is not a pin: the server gives it to what is merely added too.
  const pinned = v.pinned === true || pinnedPaths.has(v.path);
  const added = !pinned && v.added === true;
  return {
    path: v.path,
    tier,
    granularity,
    ranges: ranges(v.ranges),
    symbols: strings(v.symbols),
    tokens: num(v.tokens),
    score: num(v.score),
    reasons,
    pinned,
    added,
    shrunk: (pinned || added) && v.shrunk === true,
    redactedLines: masked.get(v.path)?.lines ?? [],
    redactedKinds: masked.get(v.path)?.kinds ?? [],
    focus: focus(v.focus),
  };
}

const DECISION_KINDS: readonly Decision["kind"][] = ["commit", "handoff-decisions", "handoff-open-questions"];

/** The bundle's `decisions` list; entries without a known kind or a text are skipped. */
function decisions(v: unknown): Decision[] {
  if (!Array.isArray(v)) return [];
  const out: Decision[] = [];
  for (const d of v) {
    if (!isRecord(d) || !DECISION_KINDS.includes(d.kind as Decision["kind"])) continue;
    if (typeof d.text !== "string" || d.text.trim() === "") continue;
    out.push({
      kind: d.kind as Decision["kind"],
      ref: typeof d.ref === "string" ? d.ref : "",
      date: typeof d.date === "string" ? d.date : "",
      text: d.text,
      files: strings(d.files),
      mentions: strings(d.mentions),
    });
  }
  return out;
}

/**
 * The bundle in a command's result: the bundle object itself, or an object holding it under
 * `bundle` (with other fields beside it). Undefined when the value holds no bundle.
 */
export function parseBundle(value: unknown, pinnedPaths: Iterable<string> = []): Bundle | undefined {
  let v = value;
  if (isRecord(v) && isRecord(v.bundle)) v = v.bundle;
  if (!isRecord(v) || !Array.isArray(v.items)) return undefined;
  const pins = new Set(pinnedPaths);
  const masked = redactions(v.redacted);
  const items = v.items
    .map((i) => item(i, pins, masked))
    .filter((i): i is BundleItem => i !== undefined);
  const excluded = Array.isArray(v.excluded)
    ? v.excluded
        .filter(isRecord)
        .filter((e) => typeof e.path === "string")
        .map((e) => ({ path: e.path as string, reason: typeof e.reason === "string" ? e.reason : "" }))
    : [];
  return {
    task: typeof v.task === "string" ? v.task : null,
    seeds: strings(v.seeds),
    budget: num(v.budget),
    totalTokens: num(v.total_tokens ?? v.totalTokens, items.reduce((s, i) => s + i.tokens, 0)),
    encoding: typeof v.encoding === "string" ? v.encoding : "",
    items,
    excluded,
    decisions: decisions(v.decisions),
  };
}

/**
 * Why `path` is not in the bundle after “Add to Bundle” (the server packs to the budget and may
 * leave it out), or undefined when it is there.
 */
export function missingAfterAdd(bundle: Bundle, path: string): string | undefined {
  if (bundle.items.some((i) => i.path === path)) return undefined;
  const excluded = bundle.excluded.find((e) => e.path === path);
  if (excluded) return `${path} was not added: ${excluded.reason}.`;
  return `${path} did not fit in the budget (${bundle.totalTokens.toLocaleString("en-US")} of ` +
    `${bundle.budget.toLocaleString("en-US")} tokens used): raise ctxsteward.budget and suggest again, or remove other items.`;
}
