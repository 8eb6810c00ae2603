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
    seeds: Array.isArray(p.seeds) ? p.seeds.filter((s): s is string => typeof s === "string") : [],
    present: true,
  };
}

function emptyTotals(budget = 0): BudgetTotals {
  return { totalTokens: 0, budget, items: 0, encoding: "", task: null, seeds: [], present: false };
}

export type ServerState = "starting" | "running" | "restarting" | "stopped" | "failed";
export type Severity = "normal" | "warning" | "error";

export interface StatusView {
  text: string;
  tooltip: string;
  /** normal: default colours; warning: near the budget (≥ warnAt); error: over the budget or no server. */
  severity: Severity;
}

/** Share of the budget from which the item turns to the warning colour. */
export const WARN_AT = 0.9;

export function budgetSeverity(total: number, budget: number, warnAt = WARN_AT): Severity {
  if (budget <= 0) return "normal";
  if (total > budget) return "error";
  if (total >= warnAt * budget) return "warning";
  return "normal";
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
      text: "$(package) no bundle",
      tooltip: `Context Steward: no context bundle yet. Run “Context Steward: Suggest Bundle for Current File”. ${click}`,
      severity: "normal",
    };
  }
  const severity = budgetSeverity(totals.totalTokens, totals.budget);
  const head = totals.budget > 0
    ? `${formatShort(totals.totalTokens)} / ${formatShort(totals.budget)}`
    : `${formatShort(totals.totalTokens)} tokens`;
  const icon = severity === "error" ? "$(warning)" : "$(package)";
  const lines = [
    totals.budget > 0
      ? `Context bundle: ${formatTokens(totals.totalTokens)} of ${formatTokens(totals.budget)} tokens ` +
        `(${formatPercent(totals.totalTokens, totals.budget)})`
      : `Context bundle: ${formatTokens(totals.totalTokens)} tokens (no budget)`,
  ];
  if (severity === "error") {
    lines.push(`Over the budget by ${formatTokens(totals.totalTokens - totals.budget)} tokens.`);
  }
  lines.push(`${totals.items} ${totals.items === 1 ? "item" : "items"}${totals.encoding ? ` · ${totals.encoding}` : ""}`);
  if (totals.task) lines.push(`Task: ${totals.task}`);
  if (totals.seeds.length > 0) lines.push(`Seeds: ${totals.seeds.join(", ")}`);
  lines.push(click);
  return { text: `${icon} ${head}`, tooltip: lines.join("\n"), severity };
}
