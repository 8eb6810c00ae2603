import { describe, expect, it } from "vitest";
import { parseBundle } from "../src/logic/bundle";
import { BundleFollower, parseChange } from "../src/logic/follow";
import { statusView } from "../src/logic/status";
import { buildTree } from "../src/logic/tree";

// What the server sends in `ctxsteward/bundle` (server/lsp/bundle_view.BundleChanged).
const bundle = {
  task: null,
  seeds: [],
  budget: 16000,
  total_tokens: 1200,
  encoding: "cl100k_base",
  items: [
    { path: "src/flask/helpers.py", tier: "core", granularity: "focused", ranges: [[1, 3], [100, 180]], symbols: ["url_for"], tokens: 1150, score: 1, reasons: ["seed"], pinned: true },
  ],
  excluded: [],
};
const totals = { total_tokens: 1200, budget: 16000, items: 1, encoding: "cl100k_base", over: false, task: null, seeds: [], present: true, pinned: 1, unfit_pins: [] };
const change = (version: number, extra: Record<string, unknown> = {}) => ({ version, cause: "add", bundle, totals, notes: [], ...extra });

describe("parseChange", () => {
  it("reads the bundle, its totals and notes; null is no bundle", () => {
    const c = parseChange(change(3, { notes: ["a.py no longer exists: dropped from the restored bundle", 7] }))!;
    expect(c.version).toBe(3);
    expect(c.bundle?.items[0]).toMatchObject({ path: "src/flask/helpers.py", pinned: true });
    expect(c.totals).toMatchObject({ totalTokens: 1200, items: 1, pinned: 1, present: true });
    expect(c.notes).toEqual(["a.py no longer exists: dropped from the restored bundle"]);
    const none = parseChange({ version: 4, cause: "clear", bundle: null, totals: null, notes: [] })!;
    expect(none.bundle).toBeUndefined();
    expect(none.totals?.present).toBe(false);
  });

  it("refuses what is not a change", () => {
    expect(parseChange({ bundle })).toBeUndefined();
    expect(parseChange({ version: "1", bundle })).toBeUndefined();
    expect(parseChange({ version: 1, bundle: { items: "x" } })).toBeUndefined();
    expect(parseChange(null)).toBeUndefined();
  });
});

describe("BundleFollower", () => {
  it("shows every change a code action makes, with no bundle in the view before", () => {
    // The defect: a bundle made by the light bulb's "Add url_for" left the view empty.
    const f = new BundleFollower();
    const action = f.onBundle(change(1));
    expect(action.kind).toBe("show");
    if (action.kind !== "show") return;
    expect(buildTree(action.bundle).map((n) => n.label)).toEqual(["Core"]);
    expect(statusView("running", action.totals).text).toBe("$(book) 1 file · 1.2k/16k tokens");
    expect(f.follows).toBe(true);
  });

  it("keeps the order of one server's changes, and starts again with a new server", () => {
    const f = new BundleFollower();
    expect(f.onBundle(change(2)).kind).toBe("show");
    expect(f.onBundle(change(1)).kind).toBe("ignore"); // late: an older change
    expect(f.onBundle(change(2)).kind).toBe("ignore");
    const cleared = f.onBundle({ version: 3, cause: "clear", bundle: null, totals: null, notes: [] });
    expect(cleared).toMatchObject({ kind: "show", bundle: undefined });
    f.reset(); // restarted: the restored bundle is version 1 of the new process
    expect(f.follows).toBe(false);
    expect(f.onBundle(change(1, { cause: "restore" })).kind).toBe("show");
    expect(f.onBundle("nonsense").kind).toBe("ignore");
  });

  it("leaves ctxsteward/budget to the bundle notification when the server sends it", () => {
    const f = new BundleFollower();
    f.onBundle(change(1));
    expect(f.onBudget(totals, undefined).kind).toBe("ignore");
  });

  it("with an older server, fetches the bundle when the totals differ from the view's or it shows none", () => {
    const f = new BundleFollower();
    const shown = parseBundle(bundle);
    expect(f.onBudget(totals, undefined)).toMatchObject({ kind: "totals", fetch: true });
    expect(f.onBudget(totals, shown)).toMatchObject({ kind: "totals", fetch: false });
    expect(f.onBudget({ ...totals, total_tokens: 1300 }, shown)).toMatchObject({ kind: "totals", fetch: true });
    expect(f.onBudget({ present: false }, shown)).toMatchObject({ kind: "totals", fetch: true });
    expect(f.onBudget({ present: false }, undefined)).toMatchObject({ kind: "totals", fetch: false });
    expect(f.onBudget({ hello: 1 }, shown).kind).toBe("ignore");
  });
});
