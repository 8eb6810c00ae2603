/**
 * The status bar item: text, tooltip and colour from the `ctxsteward/budget` notification and the
 * server's state. No `vscode` import here: unit-tested with vitest.
 */

import { formatPercent, formatShort, formatTokens } from "./format";

/** The current bundle's totals as the server sends them in `ctxsteward/budget`. */
export interface BudgetTotals {
  totalTokens: number;
  budget: number;
  items: number;
  encoding: string;
  task: string | null;
  seeds: string[];
  /** False when the server says there is no current bundle (cleared, or none suggested yet). */
  present: boolean;
  /** Items the user pinned (kept by later suggestions). */
  pinned: number;
  /** Items the user added without a pin (this bundle's only; 0 from an older server). */
  added: number;
  /** Files the user pinned or added that the bundle does not hold (too large for the budget, or excluded). */
  unfitPins: string[];
  /** Files the user pinned or added that the bundle shows smaller (whole as signatures, …) to fit the budget. */
  shrunkPins: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * Parse the notification's params: `{total_tokens, budget, items, encoding, ...}` where `items` is
 * a count or the item list; camelCase keys and a nested `bundle` are accepted too. A payload with
 * `total_tokens: null`/`bundle: null` or `present: false` means "no bundle".
 */
export function parseBudget(params: unknown): BudgetTotals | undefined {
  if (!isRecord(params)) return undefined;
  let p: Record<string, unknown> = params;
  if ("bundle" in p) {
    if (p.bundle === null) return emptyTotals();
    if (isRecord(p.bundle)) p = { ...p, ...p.bundle };
  }
  if (p.present === false) return emptyTotals();
  const total = num(p.total_tokens) ?? num(p.totalTokens) ?? num(p.tokens);
  const budget = num(p.budget) ?? num(p.default_budget) ?? 0;
  if (total === undefined) {
    return "total_tokens" in p || "totalTokens" in p ? emptyTotals(budget) : undefined;
  }
  const items = Array.isArray(p.items) ? p.items.length : num(p.items) ?? num(p.item_count) ?? num(p.count) ?? 0;
  return {
    totalTokens: total,
    budget,
    items,
    encoding: typeof p.encoding === "string" ? p.encoding : "",
    task: typeof p.task === "string" ? p.task : null,
    seeds: strings(p.seeds),
    present: true,
    pinned: num(p.pinned) ?? 0,
    added: num(p.added) ?? 0,
    unfitPins: strings(p.unfit_pins ?? p.unfitPins),
    shrunkPins: strings(p.shrunk_pins ?? p.shrunkPins),
  };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

function emptyTotals(budget = 0): BudgetTotals {
  return { totalTokens: 0, budget, items: 0, encoding: "", task: null, seeds: [], present: false, pinned: 0, added: 0, unfitPins: [], shrunkPins: [] };
}

export type ServerState = "starting" | "running" | "restarting" | "stopped" | "failed";
export type Severity = "normal" | "warning" | "error";

export interface StatusView {
  text: string;
  tooltip: string;
  /** normal: default colours; warning: pinned files the bundle does not hold as pinned; error: over the budget or no server. */
  severity: Severity;
}

/**
 * Something is wrong only when the bundle is over its budget (error) or a pinned file is not in it,
 * or shown smaller than pinned (warning). A bundle that fills its budget is what a suggestion is
 * for: no colour.
 */
export function budgetSeverity(
  totals: Pick<BudgetTotals, "totalTokens" | "budget" | "unfitPins"> & Partial<Pick<BudgetTotals, "shrunkPins">>,
): Severity {
  if (totals.budget > 0 && totals.totalTokens > totals.budget) return "error";
  if (totals.unfitPins.length > 0 || (totals.shrunkPins?.length ?? 0) > 0) return "warning";
  return "normal";
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The status bar's figure: "3 files · 12.1k/16k tokens" (no budget: "3 files · 12.1k tokens"). */
export function statusFigure(totals: BudgetTotals): string {
  const tokens = totals.budget > 0
    ? `${formatShort(totals.totalTokens)}/${formatShort(totals.budget)} tokens`
    : `${formatShort(totals.totalTokens)} tokens`;
  return `${plural(totals.items, "file")} · ${tokens}`;
}

export function statusView(server: ServerState, totals: BudgetTotals | undefined, detail?: string): StatusView {
  const click = "Click to open the Context Bundle view.";
  if (server === "starting") {
    return { text: "$(sync~spin) Context Steward", tooltip: "Context Steward: starting the server…", severity: "normal" };
  }
  if (server === "restarting") {
    return {
      text: "$(sync~spin) Context Steward",
      tooltip: `Context Steward: the server stopped; restarting${detail ? ` (${detail})` : ""}…`,
      severity: "warning",
    };
  }
  if (server === "failed" || server === "stopped") {
    return {
      text: "$(error) Context Steward",
      tooltip: `Context Steward: the server is not running${detail ? `: ${detail}` : ""}. ` +
        "Run “Context Steward: Restart Server” once fixed; the output channel has the log.",
      severity: "error",
    };
  }
  if (!totals || !totals.present) {
    return {
      text: "$(book) no bundle",
      tooltip: "Context Steward: no context bundle yet. Run “Context Steward: Suggest Bundle for Current File”, " +
        `or add a file or definition (Add to Bundle, or the light bulb). ${click}`,
      severity: "normal",
    };
  }
  const severity = budgetSeverity(totals);
  const lines = [
    `Context bundle: the files and definitions an AI agent gets for the task — ${plural(totals.items, "file")}, ` +
      (totals.budget > 0
        ? `${formatTokens(totals.totalTokens)} of a ${formatTokens(totals.budget)}-token budget ` +
          `(${formatPercent(totals.totalTokens, totals.budget)}; ctxsteward.budget).`
        : `${formatTokens(totals.totalTokens)} tokens (ranked only, no budget).`),
  ];
  if (severity === "error") {
    lines.push(`Over the budget by ${formatTokens(totals.totalTokens - totals.budget)} tokens: remove items or raise the budget.`);
  }
  if (totals.unfitPins.length > 0) {
    lines.push(`Added by you but not in the bundle (too large for the budget, or excluded): ${totals.unfitPins.join(", ")}.`);
  }
  if (totals.shrunkPins.length > 0) {
    lines.push(`Added by you but shrunk to fit the budget (not shown as you added them): ${totals.shrunkPins.join(", ")}. ` +
      "Raise the budget or remove items to see them whole.");
  }
  const added = totals.added;
  const suggested = totals.items - totals.pinned - added;
  lines.push(`${totals.pinned} pinned by you · ${added ? `${added} added by you · ` : ""}${suggested} suggested${totals.encoding ? ` · tokens counted with ${totals.encoding}` : ""}`);
  if (totals.task) lines.push(`Task: ${totals.task}`);
  if (totals.seeds.length > 0) lines.push(`Seeds: ${totals.seeds.join(", ")}`);
  lines.push(click);
  const icon = severity === "normal" ? "$(book)" : "$(warning)";
  return { text: `${icon} ${statusFigure(totals)}`, tooltip: lines.join("\n"), severity };
}
