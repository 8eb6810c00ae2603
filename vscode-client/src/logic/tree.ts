/**
 * The "Context Bundle" tree as plain data, built from the bundle JSON: items grouped by tier (core,
 * related, peripheral), then the excluded files. The VS Code side only turns these nodes into
 * TreeItems. No `vscode` import here: unit-tested with vitest.
 */

import { type Bundle, type BundleItem, type ExcludedFile, type Tier, TIERS } from "./bundle";
import { formatPercent, formatTokens } from "./format";

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

export type TreeNode = TierNode | ItemNode | ExcludedGroupNode | ExcludedNode;

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

function rangesText(ranges: [number, number][]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(", ");
}

export function itemTooltip(item: BundleItem): string {
  const lines = [
    `${item.path}`,
    `${formatTokens(item.tokens)} tokens · ${item.granularity} · ${TIER_LABELS[item.tier].toLowerCase()}` +
      ` · score ${item.score.toFixed(3)}${item.pinned ? " · pinned" : ""}`,
  ];
  if (item.granularity !== "file" && item.ranges.length > 0) {
    lines.push(`Lines ${rangesText(item.ranges)}`);
  }
  if (item.symbols.length > 0) lines.push(`Symbols: ${item.symbols.join(", ")}`);
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

function itemNode(item: BundleItem): ItemNode {
  const extra = (item.granularity === "symbols" || item.granularity === "focused") && item.symbols.length > 0
    ? `${item.granularity}: ${item.symbols.slice(0, 3).join(", ")}${item.symbols.length > 3 ? ", …" : ""}`
    : item.granularity;
  return {
    kind: "item",
    id: `item:${item.path}`,
    item,
    label: item.path,
    description: `${formatTokens(item.tokens)} tokens · ${extra}${item.pinned ? " · pinned" : ""}` +
      (item.redactedLines.length > 0 ? " · secrets masked" : ""),
    tooltip: itemTooltip(item),
    contextValue: item.pinned ? "bundleItem.pinned" : "bundleItem",
    openLine: item.granularity !== "file" && item.ranges.length > 0 ? Math.max(0, item.ranges[0][0] - 1) : 0,
  };
}

function excludedNode(e: ExcludedFile): ExcludedNode {
  return {
    kind: "excluded",
    id: `excluded:${e.path}`,
    path: e.path,
    label: e.path,
    description: e.reason,
    tooltip: `${e.path}\nExcluded: ${e.reason}`,
    contextValue: "bundleExcluded",
  };
}

/** Top-level nodes: one per non-empty tier (in tier order, items best first), then excluded. */
export function buildTree(bundle: Bundle | undefined): TreeNode[] {
  if (!bundle) return [];
  const nodes: TreeNode[] = [];
  for (const tier of TIERS) {
    const items = bundle.items.filter((i) => i.tier === tier);
    if (items.length === 0) continue;
    const tokens = items.reduce((s, i) => s + i.tokens, 0);
    nodes.push({
      kind: "tier",
      id: `tier:${tier}`,
      tier,
      label: TIER_LABELS[tier],
      description: `${items.length} ${items.length === 1 ? "item" : "items"} · ${formatTokens(tokens)} tokens`,
      tooltip: TIER_HELP[tier],
      children: items.map(itemNode),
    });
  }
  if (bundle.excluded.length > 0) {
    nodes.push({
      kind: "excludedGroup",
      id: "excluded",
      label: "Excluded",
      description: `${bundle.excluded.length} ${bundle.excluded.length === 1 ? "file" : "files"}`,
      tooltip: "Files left out on purpose (secrets, exclude globs, generated or too large).",
      children: bundle.excluded.map(excludedNode),
    });
  }
  return nodes;
}

/** The view's description (beside its title): "4,120 / 16,000 tokens". */
export function viewDescription(bundle: Bundle | undefined): string {
  if (!bundle) return "";
  return bundle.budget > 0
    ? `${formatTokens(bundle.totalTokens)} / ${formatTokens(bundle.budget)} tokens`
    : `${formatTokens(bundle.totalTokens)} tokens`;
}

/** The view's message (above the tree): what the bundle is for. */
export function viewMessage(bundle: Bundle | undefined): string | undefined {
  if (!bundle) return undefined;
  const parts: string[] = [];
  if (bundle.task) parts.push(`Task: ${bundle.task.length > 80 ? `${bundle.task.slice(0, 79)}…` : bundle.task}`);
  if (bundle.seeds.length > 0) parts.push(`Seeds: ${bundle.seeds.join(", ")}`);
  if (bundle.budget > 0) {
    parts.push(`${formatPercent(bundle.totalTokens, bundle.budget)} of the budget`);
  }
  if (bundle.items.length === 0) parts.push("No items: nothing fits the budget or matches.");
  return parts.join(" · ") || undefined;
}
