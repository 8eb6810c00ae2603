import { describe, expect, it } from "vitest";
import { RestartPolicy } from "../src/logic/backoff";
import { changedKeys, mapSettings } from "../src/logic/settings";

describe("mapSettings", () => {
  it("maps VS Code settings to the server's names and keeps client-only ones apart", () => {
    const m = mapSettings({
      encoding: "o200k_base",
      profile: "claude",
      budget: 24000,
      contextWindow: 128000,
      maxFileSize: 500000,
      exclude: ["vendor/**", "  ", "*.min.js"],
      instructionFiles: ["AGENTS.md"],
      inlayHints: { minTokens: 0 },
      handoff: { path: "notes/HANDOFF.md", testCommand: "pytest -q" },
      copyFormat: "xml",
    });
    expect(m.server).toEqual({
      encoding: "o200k_base",
      profile: "claude",
      defaultBudget: 24000,
      contextWindow: 128000,
      maxFileSize: 500000,
      exclude: ["vendor/**", "*.min.js"],
      instructionFiles: ["AGENTS.md"],
      inlayHintMinTokens: 0,
      handoffPath: "notes/HANDOFF.md",
    });
    expect(m.client).toEqual({ handoffPath: "notes/HANDOFF.md", handoffTestCommand: "pytest -q", copyFormat: "xml" });
    expect(m.problems).toEqual(["ctxsteward.exclude: entries that are not non-empty strings were dropped"]);
  });

  it("leaves defaults to the server: empty instruction files, no or zero window", () => {
    const m = mapSettings({ encoding: "cl100k_base", budget: 16000, contextWindow: null, exclude: [], instructionFiles: [] });
    expect(m.server).toEqual({ encoding: "cl100k_base", defaultBudget: 16000, exclude: [], handoffPath: "HANDOFF.md" });
    expect(mapSettings({ contextWindow: 0 }).server).toEqual({ handoffPath: "HANDOFF.md" });
    expect(m.client).toEqual({ handoffPath: "HANDOFF.md", handoffTestCommand: undefined, copyFormat: "ask" });
  });

  it("reports bad values instead of sending them", () => {
    const m = mapSettings({ budget: -5, maxFileSize: 1.5, exclude: "vendor", contextWindow: "big", inlayHints: { minTokens: -1 } });
    expect(m.server).toEqual({ handoffPath: "HANDOFF.md" });
    expect(m.problems).toHaveLength(5);
    expect(m.problems[0]).toContain("ctxsteward.budget must be a positive whole number");
  });

  it("lists changed keys", () => {
    expect(changedKeys({ encoding: "a", exclude: ["x"] }, { encoding: "a", exclude: ["y"], defaultBudget: 3 })).toEqual(["defaultBudget", "exclude"]);
    expect(changedKeys({ exclude: ["x"] }, { exclude: ["x"] })).toEqual([]);
  });
});

describe("RestartPolicy", () => {
  it("backs off exponentially up to the cap", () => {
    const p = new RestartPolicy({ initialMs: 1000, factor: 2, maxMs: 5000, maxCrashes: 10 });
    const delays = [1, 2, 3, 4, 5].map((i) => p.onCrash(i * 100, i * 100 - 10));
    expect(delays.map((d) => (d.action === "restart" ? d.delayMs : -1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(delays.map((d) => (d.action === "restart" ? d.attempt : -1))).toEqual([1, 2, 3, 4, 5]);
  });

  it("gives up after too many crashes within the window", () => {
    const p = new RestartPolicy({ maxCrashes: 3, windowMs: 60_000, stableMs: 30_000 });
    expect(p.onCrash(1_000, 0).action).toBe("restart");
    expect(p.onCrash(3_000, 2_000).action).toBe("restart");
    expect(p.onCrash(6_000, 5_000).action).toBe("restart");
    const d = p.onCrash(10_000, 9_000);
    expect(d).toEqual({ action: "give-up", crashes: 4, windowMs: 60_000 });
  });

  it("forgets crashes older than the window and after a stable run", () => {
    const p = new RestartPolicy({ maxCrashes: 2, windowMs: 10_000, stableMs: 100_000 });
    p.onCrash(0, 0);
    p.onCrash(1_000, 900);
    // The first two crashes left the window: this is attempt 1 again.
    expect(p.onCrash(20_000, 19_000)).toMatchObject({ action: "restart", attempt: 1 });
    p.onCrash(20_500, 20_400);
    // A long, stable run clears the history.
    expect(p.onCrash(200_000, 21_000)).toMatchObject({ action: "restart", attempt: 1, delayMs: 1000 });
    p.reset();
    expect(p.recentCrashes).toBe(0);
  });
});
