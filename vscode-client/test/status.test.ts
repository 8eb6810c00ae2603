import { describe, expect, it } from "vitest";
import { formatPercent, formatShort, formatTokens } from "../src/logic/format";
import { budgetSeverity, parseBudget, statusView } from "../src/logic/status";

describe("parseBudget", () => {
  it("reads the totals in snake_case, camelCase or nested under bundle", () => {
    expect(parseBudget({ total_tokens: 4200, budget: 16000, items: 7, encoding: "cl100k_base" })).toMatchObject({ totalTokens: 4200, budget: 16000, items: 7, present: true });
    expect(parseBudget({ totalTokens: 10, budget: 20, items: [{}, {}] })).toMatchObject({ totalTokens: 10, items: 2 });
    expect(parseBudget({ bundle: { total_tokens: 5, budget: 9, items: [], task: "t", seeds: ["a.py"] } })).toMatchObject({ totalTokens: 5, budget: 9, items: 0, task: "t", seeds: ["a.py"] });
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
  const totals = (t: number, b: number) => parseBudget({ total_tokens: t, budget: b, items: 3, encoding: "o200k_base" });

  it("shows tokens against the budget with normal colours under 90%", () => {
    const v = statusView("running", totals(4200, 16000));
    expect(v.text).toBe("$(package) 4.2k / 16k");
    expect(v.severity).toBe("normal");
    expect(v.tooltip).toContain("Context bundle: 4,200 of 16,000 tokens (26%)");
    expect(v.tooltip).toContain("3 items · o200k_base");
    expect(v.tooltip).toContain("Click to open the Context Bundle view.");
  });

  it("turns to the warning colour near the budget and the error colour over it", () => {
    expect(statusView("running", totals(14400, 16000)).severity).toBe("warning");
    const over = statusView("running", totals(17000, 16000));
    expect(over.severity).toBe("error");
    expect(over.text).toBe("$(warning) 17k / 16k");
    expect(over.tooltip).toContain("Over the budget by 1,000 tokens.");
    expect(statusView("running", totals(16000, 16000)).severity).toBe("warning");
  });

  it("shows the server's state before any bundle", () => {
    expect(statusView("starting", undefined).text).toContain("sync~spin");
    expect(statusView("restarting", undefined, "attempt 2 in 2.0 s").tooltip).toContain("attempt 2 in 2.0 s");
    const failed = statusView("failed", totals(1, 2), "not installed");
    expect(failed.severity).toBe("error");
    expect(failed.tooltip).toContain("not installed");
    expect(statusView("running", undefined).text).toBe("$(package) no bundle");
    expect(statusView("running", parseBudget({ bundle: null })).text).toBe("$(package) no bundle");
  });

  it("has no colour without a budget", () => {
    expect(budgetSeverity(50000, 0)).toBe("normal");
    expect(statusView("running", totals(1234, 0)).text).toBe("$(package) 1.2k tokens");
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
