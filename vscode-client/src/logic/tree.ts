/**
 * The "Context Bundle" tree as plain data, built from the bundle JSON: items grouped by tier (core,
 * related, peripheral), then the excluded files. The VS Code side only turns these nodes into
 * TreeItems. No `vscode` import here: unit-tested with vitest.
 */

import { type Bundle, type BundleItem, type Decision, type ExcludedFile, type Tier, TIERS } from "./bundle";
import { formatPercent, formatShort, formatTokens } from "./format";
import type { ServerState } from "./status";

export interface TierNode {
  kind: "tier";
  id: string;
  tier: Tier;
  label: string;
  description: string;
  tooltip: string;
  children: ItemNode[];
}

export interface ItemNode {
  kind: "item";
  id: string;
  item: BundleItem;
  label: string;
  description: string;
  tooltip: string;
  /** For `when` clauses of the inline actions: `bundleItem` or `bundleItem.pinned`. */
  contextValue: string;
  /** The row's codicon: `pinned` for a pin, `add` for what the user added without one, else none
   * (the file's own icon). */
  icon: "pinned" | "add" | undefined;
  /** 0-based line to open the file at (the first included range), or 0. */
  openLine: number;
}

export interface ExcludedGroupNode {
  kind: "excludedGroup";
  id: string;
  label: string;
  description: string;
  tooltip: string;
  children: ExcludedNode[];
}

export interface ExcludedNode {
  kind: "excluded";
  id: string;
  path: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: "bundleExcluded";
}

export interface DecisionGroupNode {
  kind: "decisionGroup";
  id: string;
  label: string;
  description: string;
  tooltip: string;
  children: DecisionNode[];
}

export interface DecisionNode {
  kind: "decision";
  id: string;
  decision: Decision;
  label: string;
  description: string;
  tooltip: string;
  contextValue: "bundleDecision" | "bundleDecision.commit";
}

export type GroupNode = TierNode | ExcludedGroupNode | DecisionGroupNode;
export type TreeNode = TierNode | ItemNode | ExcludedGroupNode | ExcludedNode | DecisionGroupNode | DecisionNode;

/** Whether `node` has children (a tier, the excluded files, the decisions). */
export function isGroup(node: TreeNode): node is GroupNode {
  return node.kind === "tier" || node.kind === "excludedGroup" || node.kind === "decisionGroup";
}

export const TIER_LABELS: Record<Tier, string> = {
  core: "Core",
  related: "Related",
  peripheral: "Peripheral",
};

const TIER_HELP: Record<Tier, string> = {
  core: "What the task cannot be done without: the seeds and their closest neighbours.",
  related: "Files that share imports, history or vocabulary with the core.",
  peripheral: "Further context, often as skeletons (signatures only) to save tokens.",
};

const GRANULARITY_HELP: Record<BundleItem["granularity"], string> = {
  file: "the whole file",
  symbols: "the definitions named below",
  skeleton: "signatures only",
  focused: "the definitions named below in full, signatures of the rest",
  excerpt: "the lines holding the task's words (else its first lines)",
};

function rangesText(ranges: [number, number][]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(", ");
}

export function itemTooltip(item: BundleItem): string {
  const lines = [
    `${item.path}`,
    `${formatTokens(item.tokens)} tokens as sent, heading and reasons included · ${GRANULARITY_HELP[item.granularity]} · ${TIER_LABELS[item.tier].toLowerCase()}` +
      ` · score ${item.score.toFixed(3)}`,
    item.pinned
      ? "Pinned by you: kept by every later suggestion until you remove it."
      : item.added
        ? "Added by you: in this bundle only; the next suggestion starts without it (pin it to keep it)."
        : "Suggested: the next suggestion may replace it (pin it to keep it).",
  ];
  if (item.shrunk) {
    lines.push(`Shrunk to fit the budget: shown smaller than you ${item.pinned ? "pinned" : "added"} it. Raise the budget or remove items to see it whole.`);
  }
  if (item.granularity !== "file" && item.ranges.length > 0) {
    lines.push(`Lines ${rangesText(item.ranges)}`);
  }
  if (item.symbols.length > 0) lines.push(`Symbols: ${item.symbols.join(", ")}`);
  if (item.focus) lines.push(`The task's words together: lines ${rangesText([item.focus])} (opened there)`);
  if (item.redactedLines.length > 0) {
    const where = item.redactedLines.length === 1 ? "line" : "lines";
    const kinds = item.redactedKinds.length > 0 ? ` (${item.redactedKinds.join(", ")})` : "";
    lines.push(`Secrets masked as [redacted: …] on ${where} ${item.redactedLines.join(", ")}${kinds}`);
  }
  if (item.reasons.length > 0) {
    lines.push("", "Why:");
    for (const r of item.reasons) lines.push(`• ${r}`);
  }
  return lines.join("\n");
}

/** "src/flask/helpers.py" -> ["helpers.py", "src/flask"]. */
export function splitPath(path: string): [string, string] {
  const at = path.lastIndexOf("/");
  return at < 0 ? [path, ""] : [path.slice(at + 1), path.slice(0, at)];
}

const GRANULARITY_SHORT: Record<BundleItem["granularity"], string> = {
  file: "whole",
  symbols: "defs",
  skeleton: "outline",
  focused: "focus",
  excerpt: "excerpt",
};

/**
 * A row as short as the default sidebar width allows (300 px): the file's name as the label (a
 * pin icon for what you pinned, a plus for what you added without a pin); in the description its tokens, what of it is shown (`whole`,
 * `defs`, `outline`, `focus`, `excerpt`), `shrunk` for a pin shrunk to fit the budget, `masked`
 * for secrets masked, and the folder only when another row has the same file name. The tooltip
 * has the rest.
 */
function itemNode(item: BundleItem, showFolder: boolean): ItemNode {
  const [name, folder] = splitPath(item.path);
  const parts = [`${formatShort(item.tokens)} tok`, GRANULARITY_SHORT[item.granularity]];
  if (item.shrunk) parts.push("shrunk");
  if (item.redactedLines.length > 0) parts.push("masked");
  if (showFolder && folder) parts.push(folder);
  return {
    kind: "item",
    id: `item:${item.path}`,
    item,
    label: name,
    description: parts.join(" · "),
    tooltip: itemTooltip(item),
    contextValue: item.pinned ? "bundleItem.pinned" : "bundleItem",
    icon: item.pinned ? "pinned" : item.added ? "add" : undefined,
    openLine: openLine(item),
  };
}

/** Where a click opens the item (0-based): the first line of its `focus` (the stretch holding the
 * task's words together, shown or not); else its first shown line; an excerpt's first matched
 * line, past the file's first lines it also shows for orientation (`excerpt_ranges` in the
 * packer). */
function openLine(item: BundleItem): number {
  if (item.focus) return item.focus[0] - 1;
  if (item.granularity === "file" || item.ranges.length === 0) return 0;
  const head = item.granularity === "excerpt" && item.ranges.length > 1 && item.ranges[0][0] === 1 && item.ranges[0][1] <= 3;
  return Math.max(0, item.ranges[head ? 1 : 0][0] - 1);
}

function excludedNode(e: ExcludedFile, showFolder: boolean): ExcludedNode {
  const [name, folder] = splitPath(e.path);
  return {
    kind: "excluded",
    id: `excluded:${e.path}`,
    path: e.path,
    label: name,
    description: showFolder && folder ? `${e.reason} · ${folder}` : e.reason,
    tooltip: `${e.path}\nExcluded: ${e.reason}`,
    contextValue: "bundleExcluded",
  };
}

/** Whether another of `rows` has the same file name as `path` (its row then names its folder). */
function sharedName(rows: readonly { path: string }[], path: string): boolean {
  const name = splitPath(path)[0];
  return rows.some((r) => r.path !== path && splitPath(r.path)[0] === name);
}

const NOTE_SECTION: Record<Decision["kind"], string> = {
  commit: "commit",
  "handoff-decisions": "Handoff note: Decisions",
  "handoff-open-questions": "Handoff note: Open questions",
};

/**
 * A decision's row: the date and the subject as the label ("2026-11-30 Store the cache as JSON
 * lines"; a handoff section: the date and the section's name), the ref and the ids it names as the
 * description ("5c0679018a · #42"), the text and the files in the tooltip.
 */
export function decisionNode(d: Decision, at: number): DecisionNode {
  const first = d.text.split("\n")[0].trim();
  const subject = d.kind === "commit" ? first : NOTE_SECTION[d.kind];
  const lines = [d.kind === "commit" ? `Commit ${d.ref}${d.date ? ` · ${d.date}` : ""}` : `${NOTE_SECTION[d.kind]} (${d.ref})${d.date ? ` · ${d.date}` : ""}`, "", d.text];
  if (d.files.length > 0) lines.push("", `Files: ${d.files.join(", ")}`);
  if (d.mentions.length > 0) lines.push(`Mentions: ${d.mentions.join(", ")}`);
  return {
    kind: "decision",
    id: `decision:${at}:${d.ref}`,
    decision: d,
    label: d.date ? `${d.date} ${subject}` : subject,
    description: [d.ref, ...d.mentions].filter((x) => x !== "").join(" · "),
    tooltip: lines.join("\n"),
    contextValue: d.kind === "commit" ? "bundleDecision.commit" : "bundleDecision",
  };
}

/** The "Decisions" group (undefined when the bundle has none). */
function decisionGroup(decisions: Decision[]): DecisionGroupNode | undefined {
  if (decisions.length === 0) return undefined;
  const commits = decisions.filter((d) => d.kind === "commit").length;
  const parts = [];
  if (commits > 0) parts.push(`${commits} ${commits === 1 ? "commit" : "commits"}`);
  if (commits < decisions.length) parts.push("handoff note");
  return {
    kind: "decisionGroup",
    id: "decisions",
    label: "Decisions",
    description: parts.join(" · "),
    tooltip: "Recent decisions about the core files: the commits that changed them lately and the handoff note's Decisions and Open questions. The agent gets them as the bundle's \"Recent decisions\" section.",
    children: decisions.map(decisionNode),
  };
}

/** Top-level nodes: one per non-empty tier (in tier order, items best first), then the recent
 * decisions, then excluded. */
export function buildTree(bundle: Bundle | undefined): TreeNode[] {
  if (!bundle) return [];
  const nodes: TreeNode[] = [];
  const shared = (i: BundleItem) => sharedName(bundle.items, i.path);
  for (const tier of TIERS) {
    const items = bundle.items.filter((i) => i.tier === tier);
    if (items.length === 0) continue;
    const tokens = items.reduce((s, i) => s + i.tokens, 0);
    nodes.push({
      kind: "tier",
      id: `tier:${tier}`,
      tier,
      label: TIER_LABELS[tier],
      description: `${items.length} · ${formatShort(tokens)} tok`,
      tooltip: `${TIER_HELP[tier]}\n${items.length} ${items.length === 1 ? "item" : "items"}, ${formatTokens(tokens)} tokens`,
      children: items.map((i) => itemNode(i, shared(i))),
    });
  }
  const decided = decisionGroup(bundle.decisions);
  if (decided) nodes.push(decided);
  if (bundle.excluded.length > 0) {
    nodes.push({
      kind: "excludedGroup",
      id: "excluded",
      label: "Excluded",
      description: `${bundle.excluded.length} ${bundle.excluded.length === 1 ? "file" : "files"}`,
      tooltip: "Files left out on purpose (removed by you, secrets, exclude globs, generated or too large).",
      children: bundle.excluded.map((e) => excludedNode(e, sharedName(bundle.excluded, e.path))),
    });
  }
  return nodes;
}

/** The view's description (beside its title), short enough for the default sidebar: "12.1k/16k". */
export function viewDescription(bundle: Bundle | undefined): string {
  if (!bundle) return "";
  return bundle.budget > 0
    ? `${formatShort(bundle.totalTokens)}/${formatShort(bundle.budget)}`
    : `${formatShort(bundle.totalTokens)} tok`;
}

/**
 * Why the total is more than the rows add up to: the copied document around them counts too
 * (its "# Context bundle" heading, the task line, the decisions section). Empty when they agree.
 */
function outsideRows(bundle: Bundle): string {
  const rows = bundle.items.reduce((s, i) => s + i.tokens, 0);
  const rest = bundle.totalTokens - rows;
  if (bundle.items.length === 0 || rest <= 0) return "";
  return `: ${formatTokens(rows)} in the rows + ${formatTokens(rest)} around them (heading${bundle.task ? ", task" : ""}, decisions)`;
}

/** The view's message (above the tree): what the bundle is for, in a few words. */
/**
 * What the view says above a bundle the server no longer keeps up to date: while the server is
 * down, restarting or starting again, the rows are the last bundle shown, and edits, pins and
 * suggestions do not reach it.
 */
export function staleNote(server: ServerState | undefined, detail?: string): string | undefined {
  const why = detail ? ` (${detail})` : "";
  switch (server) {
    case "failed":
    case "stopped":
      return `The server is not running${why}: the last bundle shown, not kept up to date`;
    case "restarting":
      return `The server is restarting${why}: the last bundle shown, until it is back`;
    default:
      return undefined;
  }
}

export function viewMessage(bundle: Bundle | undefined, server?: ServerState, detail?: string): string | undefined {
  if (!bundle) return undefined;
  const parts: string[] = [];
  const stale = staleNote(server, detail);
  if (stale) parts.push(stale);
  if (bundle.task) parts.push(`Task: ${bundle.task.length > 60 ? `${bundle.task.slice(0, 59)}…` : bundle.task}`);
  if (bundle.seeds.length > 0) {
    const shown = bundle.seeds.slice(0, 2).map((s) => splitPath(s)[0]);
    parts.push(`For ${shown.join(", ")}${bundle.seeds.length > 2 ? ` +${bundle.seeds.length - 2}` : ""}`);
  } else if (!bundle.task) {
    parts.push("Pinned items only");
  }
  if (bundle.budget > 0) {
    parts.push(`${formatTokens(bundle.totalTokens)} of ${formatTokens(bundle.budget)} tokens (${formatPercent(bundle.totalTokens, bundle.budget)})` +
      outsideRows(bundle));
  }
  if (bundle.items.length === 0) parts.push("No items: nothing fits the budget or matches.");
  return parts.join(" · ") || undefined;
}
