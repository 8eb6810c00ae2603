import { describe, expect, it } from "vitest";
import { missingAfterAdd, parseBundle } from "../src/logic/bundle";
import { buildTree, decisionNode, isGroup, itemTooltip, staleNote, viewDescription, viewMessage } from "../src/logic/tree";

// The shape `ctxsteward bundle --format json` prints (analyzers.results.Bundle).
const raw = {
  task: "add retry with backoff to the http client",
  seeds: ["src/http/client.py"],
  budget: 8000,
  total_tokens: 5230,
  encoding: "cl100k_base",
  items: [
    { path: "src/http/client.py", tier: "core", granularity: "file", ranges: [[1, 120]], symbols: [], tokens: 2100, score: 1.0, reasons: ["seed"] },
    { path: "src/http/retry.py", tier: "core", granularity: "symbols", ranges: [[10, 40], [55, 55]], symbols: ["Retry", "Retry.sleep", "backoff", "jitter"], tokens: 900, score: 0.81, reasons: ["imported by the seed", "co-changed 7 times with src/http/client.py"] },
    { path: "tests/test_client.py", tier: "related", granularity: "skeleton", ranges: [[1, 80]], symbols: ["test_get"], tokens: 1300, score: 0.44, reasons: ["tests the seed"] },
    { path: "docs/http.md", tier: "peripheral", granularity: "file", ranges: [[1, 30]], symbols: [], tokens: 930, score: 0.12, reasons: ["pinned", "mentions 'retry'"] },
  ],
  excluded: [{ path: ".env", reason: "may contain secrets" }],
};

describe("parseBundle", () => {
  it("reads the server's bundle JSON", () => {
    const b = parseBundle(raw)!;
    expect(b.totalTokens).toBe(5230);
    expect(b.budget).toBe(8000);
    expect(b.items.map((i) => i.path)).toEqual(["src/http/client.py", "src/http/retry.py", "tests/test_client.py", "docs/http.md"]);
    expect(b.items[1].ranges).toEqual([[10, 40], [55, 55]]);
    // A "pinned" reason alone is not a pin: the server gives it to files merely added, too.
    expect(b.items[3].pinned).toBe(false);
    expect(b.items[0].pinned).toBe(false);
    expect(parseBundle(raw, ["docs/http.md"])!.items[3].pinned).toBe(true);
    expect(parseBundle({ ...raw, items: [{ ...raw.items[0], pinned: true }] })!.items[0].pinned).toBe(true);
    expect(b.excluded).toEqual([{ path: ".env", reason: "may contain secrets" }]);
  });

  it("marks the items shown with secret values masked (the bundle's `redacted` list)", () => {
    const b = parseBundle({
      ...raw,
      redacted: [
        { path: "docs/http.md", lines: [5, 9], kinds: ["Secret Keyword", "AWS Access Key"] },
        { path: 7 }, { lines: [1] }, { path: "src/http/retry.py", lines: ["x", -1, 12], kinds: "no" },
      ],
    })!;
    const docs = b.items[3];
    expect(docs.redactedLines).toEqual([5, 9]);
    expect(docs.redactedKinds).toEqual(["Secret Keyword", "AWS Access Key"]);
    expect(b.items[1].redactedLines).toEqual([12]);
    expect(b.items[1].redactedKinds).toEqual([]);
    expect(b.items[0].redactedLines).toEqual([]);
    expect(itemTooltip(docs)).toContain("Secrets masked as [redacted: …] on lines 5, 9 (Secret Keyword, AWS Access Key)");
    expect(itemTooltip(b.items[0])).not.toContain("Secrets masked");
    const core = buildTree(b)[0];
    if (core.kind !== "tier") throw new Error("expected a tier");
    const peripheral = buildTree(b).find((n) => n.kind === "tier" && n.tier === "peripheral");
    if (peripheral?.kind !== "tier") throw new Error("expected the peripheral tier");
    expect(peripheral.children[0].description).toBe("930 tok · whole · masked");
    expect(core.children[0].description).not.toContain("masked");
    // An older server (no `redacted`): nothing marked.
    expect(parseBundle(raw)!.items.every((i) => i.redactedLines.length === 0)).toBe(true);
  });

  it("accepts the bundle nested under `bundle` and marks pins given by the caller", () => {
    const b = parseBundle({ bundle: raw, rendered: "..." }, ["src/http/client.py"])!;
    expect(b.items[0].pinned).toBe(true);
    expect(b.task).toBe(raw.task);
  });

  it("drops malformed items and defaults unknown tiers, and refuses non-bundles", () => {
    const b = parseBundle({ items: [{ path: "a.py", tier: "weird", tokens: "x" }, { tier: "core" }, 7], excluded: [{ reason: "no path" }] })!;
    expect(b.items).toHaveLength(1);
    expect(b.items[0]).toMatchObject({ path: "a.py", tier: "peripheral", granularity: "file", tokens: 0 });
    expect(b.excluded).toEqual([]);
    expect(b.totalTokens).toBe(0);
    expect(parseBundle(null)).toBeUndefined();
    expect(parseBundle({ text: "markdown" })).toBeUndefined();
    expect(parseBundle("items")).toBeUndefined();
  });
});

describe("buildTree", () => {
  it("says on the row and in its tooltip when a pin is shrunk to fit the budget", () => {
    const shrunk = parseBundle({ ...raw, items: [{ ...raw.items[0], pinned: true, shrunk: true, granularity: "focused" }] })!;
    expect(shrunk.items[0].shrunk).toBe(true);
    const row = buildTree(shrunk).flatMap((n) => (n.kind === "tier" ? n.children : []))[0];
    expect(row.description).toBe("2.1k tok · focus · shrunk");
    expect(row.tooltip).toContain("Shrunk to fit the budget: shown smaller than you pinned it.");
    // Not pinned: nothing was shrunk from what the user asked for.
    expect(parseBundle({ ...raw, items: [{ ...raw.items[0], shrunk: true }] })!.items[0].shrunk).toBe(false);
  });

  it("gives the pin icon only to what the user pinned, and an addition without a pin its own", () => {
    // The new-user review: every added file had the pin icon, though the next suggestion drops it.
    const b = parseBundle({ ...raw, items: [
      { ...raw.items[0], pinned: false, added: true, shrunk: true, granularity: "focused" },
      { ...raw.items[1], pinned: true, added: false },
      { ...raw.items[2] },
      { ...raw.items[3], pinned: true, added: true }, // both: a pin is a pin
    ] })!;
    expect(b.items.map((i) => [i.pinned, i.added])).toEqual([[false, true], [true, false], [false, false], [true, false]]);
    const rows = buildTree(b).flatMap((n) => (n.kind === "tier" ? n.children : []));
    const byPath = new Map(rows.map((r) => [r.item.path, r]));
    const added = byPath.get(raw.items[0].path)!;
    expect(added.icon).toBe("add");
    expect(added.contextValue).toBe("bundleItem"); // the inline Pin action stays offered
    expect(added.tooltip).toContain("Added by you: in this bundle only; the next suggestion starts without it (pin it to keep it).");
    expect(added.tooltip).not.toContain("Pinned by you");
    expect(added.tooltip).toContain("Shrunk to fit the budget: shown smaller than you added it.");
    expect(byPath.get(raw.items[1].path)!.icon).toBe("pinned");
    expect(byPath.get(raw.items[1].path)!.contextValue).toBe("bundleItem.pinned");
    expect(byPath.get(raw.items[2].path)!.icon).toBeUndefined();
    expect(byPath.get(raw.items[3].path)!.icon).toBe("pinned");
  });

  it("groups items by tier in tier order, best first, with token totals", () => {
    const nodes = buildTree(parseBundle(raw, ["docs/http.md"]));
    expect(nodes.map((n) => n.label)).toEqual(["Core", "Related", "Peripheral", "Excluded"]);
    const core = nodes[0];
    if (core.kind !== "tier") throw new Error("expected a tier");
    // Short enough for the default sidebar width: the file's name, then tokens, what is shown.
    expect(core.description).toBe("2 · 3k tok");
    expect(core.tooltip).toContain("2 items, 3,000 tokens");
    expect(core.children.map((c) => c.label)).toEqual(["client.py", "retry.py"]);
    expect(core.children[1].description).toBe("900 tok · defs");
    expect(core.children[0].description).toBe("2.1k tok · whole");
    expect(core.children[1].openLine).toBe(9);
    expect(core.children[0].openLine).toBe(0);
    const peripheral = nodes[2];
    if (peripheral.kind !== "tier") throw new Error("expected a tier");
    expect(peripheral.children[0].contextValue).toBe("bundleItem.pinned");
    // The pin comes first: it is not cut off at the sidebar's edge.
    expect(peripheral.children[0].description).toBe("930 tok · whole"); // the pin is its icon
    expect(peripheral.children[0].tooltip).toContain("Pinned by you: kept by every later suggestion");
    expect(peripheral.children[0].tooltip).not.toContain("Shrunk");
    expect(core.children[0].tooltip).toContain("Suggested: the next suggestion may replace it");
    expect(core.children[0].contextValue).toBe("bundleItem");
    const excluded = nodes[3];
    if (excluded.kind !== "excludedGroup") throw new Error("expected the excluded group");
    expect(excluded.children[0]).toMatchObject({ label: ".env", description: "may contain secrets", contextValue: "bundleExcluded" });
    const nested = buildTree(parseBundle({ ...raw, excluded: [{ path: "config/.env.local", reason: "may contain secrets" }] }));
    const group = nested[nested.length - 1];
    if (group.kind !== "excludedGroup") throw new Error("expected the excluded group");
    expect(group.children[0]).toMatchObject({ label: ".env.local", description: "may contain secrets", tooltip: "config/.env.local\nExcluded: may contain secrets" });
  });

  it("keeps rows short enough for a 300 px sidebar: the folder only when two rows share a name", () => {
    // The rows the verifier saw cut: "decorators.py pinned · 5.2k t…", "termui.py 678 tok · signatures · s…".
    const click = parseBundle({ ...raw, items: [
      { ...raw.items[0], path: "src/click/decorators.py", tokens: 5205, pinned: true },
      { ...raw.items[2], path: "src/click/termui.py", tokens: 678, pinned: true, shrunk: true },
      { ...raw.items[1], path: "src/click/utils.py" },
      { ...raw.items[3], path: "tests/utils.py" },
    ] })!;
    const rows = buildTree(click).flatMap((n) => (n.kind === "tier" ? n.children : []));
    expect(rows.map((r) => `${r.label} ${r.description}`)).toEqual([
      "decorators.py 5.2k tok · whole",
      "utils.py 900 tok · defs · src/click",
      "termui.py 678 tok · outline · shrunk",
      "utils.py 930 tok · whole · tests",
    ]);
    // What fit beside a 13-letter name in the verifier's 300 px sidebar: 34 characters in all.
    for (const r of rows.slice(0, 3)) expect(`${r.label} ${r.description}`.length).toBeLessThanOrEqual(36);
    for (const r of rows) expect(r.tooltip.split("\n")[0]).toBe(r.item.path);
  });

  it("shows an excerpt as one, not as the whole file", () => {
    const excerpt = { ...raw.items[0], path: "CHANGES.md", granularity: "excerpt", ranges: [[1, 3], [630, 633]], symbols: [], tokens: 120 };
    const b = parseBundle({ ...raw, items: [excerpt] })!;
    expect(b.items[0].granularity).toBe("excerpt");
    const core = buildTree(b)[0];
    if (core.kind !== "tier") throw new Error("expected a tier");
    expect(core.children[0].description).toBe("120 tok · excerpt");
    expect(core.children[0].openLine).toBe(629); // the matched lines, past the first three
    const top = parseBundle({ ...raw, items: [{ ...excerpt, ranges: [[1, 15]] }] })!;
    const topCore = buildTree(top)[0];
    if (topCore.kind !== "tier") throw new Error("expected a tier");
    expect(topCore.children[0].openLine).toBe(0);
  });

  it("shows a focused seed as focused, with its definitions in full and its first line", () => {
    const focused = { ...raw.items[0], granularity: "focused", ranges: [[18, 26], [40, 40], [60, 90]], symbols: ["apply_discount"], full_ranges: [[18, 26]], tokens: 7800 };
    const b = parseBundle({ ...raw, items: [focused] })!;
    expect(b.items[0].granularity).toBe("focused");
    const core = buildTree(b)[0];
    if (core.kind !== "tier") throw new Error("expected a tier");
    expect(core.children[0].description).toBe("7.8k tok · focus");
    expect(core.children[0].openLine).toBe(17);
    expect(itemTooltip(b.items[0])).toContain("Lines 18–26, 40, 60–90");
  });

  it("opens an item at its focus (the lines holding the task's words), shown or not", () => {
    const reason = "lines 316–345 hold 'type', 'choice', 'case' from the task";
    const items = [
      { ...raw.items[0], focus: [316, 345], reasons: ["matches 'type'", reason] }, // whole file
      { ...raw.items[1], focus: [316, 345] }, // symbols at 10–40 and 55: the focus is elsewhere
      { ...raw.items[2], focus: null }, // none stood out: its first shown line
    ];
    const b = parseBundle({ ...raw, task: "case insensitive choice type", seeds: [], items })!;
    expect(b.items.map((i) => i.focus)).toEqual([[316, 345], [316, 345], null]);
    const rows = buildTree(b).flatMap((n) => (n.kind === "tier" ? n.children : []));
    expect(rows.map((r) => r.openLine)).toEqual([315, 315, 0]);
    expect(rows[0].tooltip).toContain("The task's words together: lines 316–345 (opened there)");
    expect(rows[2].tooltip).not.toContain("task's words together");
    // The row itself stays as short as before.
    expect(rows[0].description).toBe("2.1k tok · whole");
    // An older server (no focus) opens where it did.
    expect(parseBundle(raw)!.items.every((i) => i.focus === null)).toBe(true);
  });

  it("ignores a malformed focus", () => {
    for (const bad of [[0, 3], [9, 4], [1.5, 3], ["1", "3"], [1], [1, 2, 3], "316-345", { first: 1 }]) {
      const b = parseBundle({ ...raw, items: [{ ...raw.items[1], focus: bad }] })!;
      expect(b.items[0].focus).toBeNull();
      const row = buildTree(b).flatMap((n) => (n.kind === "tier" ? n.children : []))[0];
      expect(row.openLine).toBe(9); // its first shown line, as without one
    }
  });

  it("leaves out empty tiers and has no nodes without a bundle", () => {
    const b = parseBundle({ ...raw, items: raw.items.filter((i) => i.tier === "related"), excluded: [] });
    expect(buildTree(b).map((n) => n.label)).toEqual(["Related"]);
    expect(buildTree(undefined)).toEqual([]);
    const empty = parseBundle({ ...raw, items: [], excluded: [] });
    expect(buildTree(empty)).toEqual([]);
    expect(viewMessage(empty)).toContain("No items");
  });

  it("puts the reasons, ranges and symbols in the tooltip", () => {
    const item = parseBundle(raw)!.items[1];
    const tip = itemTooltip(item);
    expect(tip).toContain("Why:\n• imported by the seed\n• co-changed 7 times with src/http/client.py");
    expect(tip).toContain("Lines 10–40, 55");
    expect(tip).toContain("Symbols: Retry, Retry.sleep, backoff, jitter");
    expect(tip).toContain("900 tokens as sent, heading and reasons included · the definitions named below · core · score 0.810");
  });

  it("says when the bundle shown is no longer kept up to date by a running server", () => {
    const b = parseBundle(raw);
    const shown = "Task: add retry with backoff to the http client · For client.py · 5,230 of 8,000 tokens (65%)";
    expect(viewMessage(b, "running")).toBe(shown);
    expect(viewMessage(b, "starting")).toBe(shown);
    expect(viewMessage(b, "failed", "crashed repeatedly")).toBe(
      `The server is not running (crashed repeatedly): the last bundle shown, not kept up to date · ${shown}`);
    expect(viewMessage(b, "restarting", "attempt 2 in 4 s")).toContain("The server is restarting (attempt 2 in 4 s): the last bundle shown, until it is back · ");
    expect(viewMessage(b, "stopped")).toContain("The server is not running: the last bundle shown");
    expect(viewMessage(undefined, "failed")).toBeUndefined();
    expect(staleNote("running")).toBeUndefined();
  });

  it("describes the view with totals against the budget", () => {
    const b = parseBundle(raw);
    expect(viewDescription(b)).toBe("5.2k/8k");
    expect(viewMessage(b)).toBe("Task: add retry with backoff to the http client · For client.py · 5,230 of 8,000 tokens (65%)");
    expect(viewDescription(parseBundle({ ...raw, budget: 0 }))).toBe("5.2k tok");
    expect(viewMessage(parseBundle({ ...raw, task: null, seeds: [] }))).toBe("Pinned items only · 5,230 of 8,000 tokens (65%)");
    expect(viewMessage(parseBundle({ ...raw, task: null, seeds: ["a/x.py", "b/y.py:12", "c/z.py::f"] }))).toContain("For x.py, y.py:12 +1");
    expect(viewDescription(undefined)).toBe("");
  });

  it("names what the total counts beyond its rows (the document around them)", () => {
    // One file of 5,205 tokens in a bundle of 5,209: the 4 are "# Context bundle".
    const one = parseBundle({ ...raw, task: null, total_tokens: 5209, budget: 16000, items: [{ ...raw.items[0], tokens: 5205 }] });
    expect(viewMessage(one)).toBe("For client.py · 5,209 of 16,000 tokens (33%): 5,205 in the rows + 4 around them (heading, decisions)");
    const tasked = parseBundle({ ...raw, total_tokens: 5240 });
    expect(viewMessage(tasked)).toContain("5,240 of 8,000 tokens (66%): 5,230 in the rows + 10 around them (heading, task, decisions)");
  });
});

describe("the Decisions group", () => {
  // As the server sends them (analyzers.results.DecisionEntry), newest commit first.
  const decided = {
    ...raw,
    decisions: [
      { kind: "handoff-decisions", ref: "HANDOFF.md#decisions", date: "2026-12-02", text: "- keep retries in client.py\n- no jitter for now", files: ["src/http/client.py"], mentions: [] },
      { kind: "commit", ref: "5c0679018a", date: "2026-11-30", text: "Retry idempotent requests only (#42)\nPOST is never retried: see GH-7.", files: ["src/http/client.py", "src/http/retry.py"], mentions: ["#42", "GH-7"] },
      { kind: "commit", ref: "0b1c2d3e4f", date: "2026-11-28", text: "Drop the retry cap", files: ["src/http/retry.py"], mentions: [] },
      { kind: "commit", ref: "bad", date: "2026-11-27", text: "", files: [] },
      { kind: "vote", ref: "x", date: "", text: "not a kind the view knows", files: [] },
    ],
  };

  it("parses the decisions, skipping entries without a known kind or a text", () => {
    const b = parseBundle(decided)!;
    expect(b.decisions.map((d) => d.ref)).toEqual(["HANDOFF.md#decisions", "5c0679018a", "0b1c2d3e4f"]);
    expect(b.decisions[1].mentions).toEqual(["#42", "GH-7"]);
    // An older server sends none.
    expect(parseBundle(raw)!.decisions).toEqual([]);
  });

  it("comes after the tiers and before the excluded files, one row per decision", () => {
    const nodes = buildTree(parseBundle(decided));
    expect(nodes.map((n) => n.label)).toEqual(["Core", "Related", "Peripheral", "Decisions", "Excluded"]);
    const group = nodes[3];
    if (group.kind !== "decisionGroup") throw new Error("expected the decisions group");
    expect(group.description).toBe("2 commits · handoff note");
    expect(isGroup(group)).toBe(true);
    expect(group.children.map((c) => c.label)).toEqual([
      "2026-12-02 Handoff note: Decisions",
      "2026-11-30 Retry idempotent requests only (#42)",
      "2026-11-28 Drop the retry cap",
    ]);
    expect(group.children.map((c) => c.description)).toEqual(["HANDOFF.md#decisions", "5c0679018a · #42 · GH-7", "0b1c2d3e4f"]);
    expect(group.children[1].contextValue).toBe("bundleDecision.commit");
    expect(group.children[0].contextValue).toBe("bundleDecision");
    // The ids are unique even when two entries share a ref.
    expect(new Set(group.children.map((c) => c.id)).size).toBe(3);
  });

  it("puts the text, the files and the ids in the tooltip", () => {
    const commit = buildTree(parseBundle(decided)).find((n) => n.kind === "decisionGroup");
    if (commit?.kind !== "decisionGroup") throw new Error("expected the decisions group");
    expect(commit.children[1].tooltip).toBe(
      "Commit 5c0679018a · 2026-11-30\n\nRetry idempotent requests only (#42)\nPOST is never retried: see GH-7.\n\n" +
        "Files: src/http/client.py, src/http/retry.py\nMentions: #42, GH-7",
    );
    expect(commit.children[0].tooltip).toContain("Handoff note: Decisions (HANDOFF.md#decisions) · 2026-12-02\n\n- keep retries in client.py");
  });

  it("is absent without decisions, and labels an undated entry by its subject", () => {
    expect(buildTree(parseBundle(raw)).map((n) => n.label)).not.toContain("Decisions");
    const undated = decisionNode({ kind: "commit", ref: "abc", date: "", text: "Subject only", files: [], mentions: [] }, 0);
    expect(undated.label).toBe("Subject only");
    expect(undated.description).toBe("abc");
    const one = buildTree(parseBundle({ ...raw, decisions: [decided.decisions[2]] })).find((n) => n.kind === "decisionGroup");
    expect(one?.description).toBe("1 commit");
  });
});

describe("missingAfterAdd", () => {
  it("says why an added file is not in the bundle", () => {
    const b = parseBundle(raw)!;
    expect(missingAfterAdd(b, "src/http/retry.py")).toBeUndefined();
    expect(missingAfterAdd(b, ".env")).toBe(".env was not added: may contain secrets.");
    expect(missingAfterAdd(b, "big.py")).toBe("big.py did not fit in the budget (5,230 of 8,000 tokens used): raise ctxsteward.budget and suggest again, or remove other items.");
  });
});
