import { describe, expect, it } from "vitest";
import { exitLine } from "../src/logic/exit";
import { formatPercent, formatShort, formatTokens } from "../src/logic/format";
import { budgetSeverity, parseBudget, statusFigure, statusView } from "../src/logic/status";

describe("parseBudget", () => {
  it("reads the totals in snake_case, camelCase or nested under bundle", () => {
    expect(parseBudget({ total_tokens: 4200, budget: 16000, items: 7, encoding: "cl100k_base" })).toMatchObject({ totalTokens: 4200, budget: 16000, items: 7, present: true, pinned: 0, unfitPins: [] });
    expect(parseBudget({ totalTokens: 10, budget: 20, items: [{}, {}] })).toMatchObject({ totalTokens: 10, items: 2 });
    expect(parseBudget({ bundle: { total_tokens: 5, budget: 9, items: [], task: "t", seeds: ["a.py"] } })).toMatchObject({ totalTokens: 5, budget: 9, items: 0, task: "t", seeds: ["a.py"] });
    expect(parseBudget({ total_tokens: 5, budget: 9, items: 2, pinned: 1, unfit_pins: ["big.py", 3] })).toMatchObject({ pinned: 1, unfitPins: ["big.py"] });
  });

  it("knows when there is no bundle, and ignores what is not a budget", () => {
    expect(parseBudget({ bundle: null })?.present).toBe(false);
    expect(parseBudget({ present: false, total_tokens: 3 })?.present).toBe(false);
    expect(parseBudget({ total_tokens: null, budget: 16000 })).toMatchObject({ present: false, budget: 16000 });
    expect(parseBudget({ hello: 1 })).toBeUndefined();
    expect(parseBudget(undefined)).toBeUndefined();
    expect(parseBudget([1, 2])).toBeUndefined();
  });
});

describe("statusView", () => {
  const totals = (t: number, b: number, extra: Record<string, unknown> = {}) =>
    parseBudget({ total_tokens: t, budget: b, items: 3, encoding: "o200k_base", ...extra });

  it("says what the figure is: files, tokens, budget", () => {
    const v = statusView("running", totals(12100, 16000, { pinned: 1 }));
    expect(v.text).toBe("$(book) 3 files · 12.1k/16k tokens");
    expect(v.severity).toBe("normal");
    expect(v.tooltip).toContain("Context bundle: the files and definitions an AI agent gets for the task — 3 files, 12,100 of a 16,000-token budget (76%; ctxsteward.budget).");
    expect(v.tooltip).toContain("1 pinned by you · 2 suggested · tokens counted with o200k_base");
    expect(v.tooltip).toContain("Click to open the Context Bundle view.");
    expect(statusView("running", parseBudget({ total_tokens: 400, budget: 16000, items: 1, pinned: 1 })).text).toBe("$(book) 1 file · 400/16k tokens");
  });

  it("counts what the user pinned apart from what they added without a pin", () => {
    // The new-user review: an addition without a pin was counted as "pinned by you".
    expect(parseBudget({ total_tokens: 5, budget: 9, items: 5, pinned: 1, added: 2 })).toMatchObject({ pinned: 1, added: 2 });
    expect(parseBudget({ total_tokens: 5, budget: 9, items: 5, pinned: 1 })).toMatchObject({ added: 0 }); // an older server
    const v = statusView("running", totals(3000, 16000, { items: 5, pinned: 1, added: 2 }));
    expect(v.tooltip).toContain("1 pinned by you · 2 added by you · 2 suggested");
  });

  it("warns when a pin is shrunk to fit the budget, and names it", () => {
    expect(parseBudget({ total_tokens: 5, budget: 9, items: 2, shrunk_pins: ["big.py", 3] })).toMatchObject({ shrunkPins: ["big.py"] });
    const shrunk = statusView("running", totals(3000, 3000, { pinned: 3, shrunk_pins: ["src/decorators.py", "src/termui.py"] }));
    expect(shrunk.severity).toBe("warning");
    expect(shrunk.text.startsWith("$(warning) ")).toBe(true);
    expect(shrunk.tooltip).toContain("Added by you but shrunk to fit the budget (not shown as you added them): src/decorators.py, src/termui.py.");
    expect(statusView("running", totals(3000, 3000, { pinned: 3 })).severity).toBe("normal");
  });

  it("is not a warning when suggestions fill the budget: only when something is wrong", () => {
    // A suggestion fills its budget by design: 100% is what it is for.
    for (const used of [14400, 15990, 16000]) {
      expect(statusView("running", totals(used, 16000)).severity).toBe("normal");
      expect(statusView("running", totals(used, 16000)).text.startsWith("$(book) ")).toBe(true);
    }
    const over = statusView("running", totals(17000, 16000));
    expect(over.severity).toBe("error");
    expect(over.text).toBe("$(warning) 3 files · 17k/16k tokens");
    expect(over.tooltip).toContain("Over the budget by 1,000 tokens: remove items or raise the budget.");
    const unfit = statusView("running", totals(9000, 16000, { pinned: 2, unfit_pins: ["src/huge.py"] }));
    expect(unfit.severity).toBe("warning");
    expect(unfit.text).toBe("$(warning) 3 files · 9k/16k tokens");
    expect(unfit.tooltip).toContain("Added by you but not in the bundle (too large for the budget, or excluded): src/huge.py.");
  });

  it("shows the server's state before any bundle", () => {
    expect(statusView("starting", undefined).text).toContain("sync~spin");
    expect(statusView("restarting", undefined, "attempt 2 in 2.0 s").tooltip).toContain("attempt 2 in 2.0 s");
    const failed = statusView("failed", totals(1, 2), "not installed");
    expect(failed.severity).toBe("error");
    expect(failed.tooltip).toContain("not installed");
    expect(statusView("running", undefined).text).toBe("$(book) no bundle");
    expect(statusView("running", parseBudget({ bundle: null })).text).toBe("$(book) no bundle");
  });

  it("has no colour and no budget figure without a budget", () => {
    expect(budgetSeverity({ totalTokens: 50000, budget: 0, unfitPins: [] })).toBe("normal");
    expect(statusView("running", totals(1234, 0)).text).toBe("$(book) 3 files · 1.2k tokens");
    expect(statusFigure(totals(1234, 0)!)).toBe("3 files · 1.2k tokens");
    expect(statusView("running", totals(1234, 0)).tooltip).toContain("1,234 tokens (ranked only, no budget)");
  });
});

describe("exitLine", () => {
  it("logs a deliberate stop as information, an unasked-for exit as an error", () => {
    expect(exitLine(0, null, true)).toEqual({ error: false, text: "The server stopped (exit code 0)." });
    expect(exitLine(null, "SIGTERM", true).error).toBe(false);
    expect(exitLine(0, null, false)).toEqual({ error: true, text: "[Error] The server process ended unexpectedly (exit code 0)." });
    expect(exitLine(null, "SIGKILL", false).text).toContain("signal SIGKILL");
    expect(exitLine(0, null, true).text).not.toMatch(/error/i);
  });
});

describe("format", () => {
  it("formats token counts", () => {
    expect(formatTokens(1234567)).toBe("1,234,567");
    expect(formatShort(950)).toBe("950");
    expect(formatShort(1500)).toBe("1.5k");
    expect(formatShort(16000)).toBe("16k");
    expect(formatShort(200000)).toBe("200k");
    expect(formatShort(123456)).toBe("123k");
    expect(formatPercent(1, 3)).toBe("33%");
    expect(formatPercent(1, 200)).toBe("0.5%");
    expect(formatPercent(1, 0)).toBe("–");
  });
});
