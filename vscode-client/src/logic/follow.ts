/**
 * Following the server's current bundle. The server announces every change of it — made by a
 * command, a code action from the light bulb, a re-index or the restore after a restart — with the
 * `ctxsteward/bundle` notification (a version, the bundle, its totals, notes). The view, the status
 * bar and the context keys all take it from there. An older server sends only `ctxsteward/budget`
 * (totals): then the view fetches the bundle when the totals say it changed. No `vscode` import:
 * unit-tested with vitest.
 */

import { type Bundle, parseBundle } from "./bundle";
import { type BudgetTotals, parseBudget } from "./status";

export interface BundleChange {
  /** Grows by one with each change, per server process. */
  version: number;
  cause: string;
  /** Undefined: there is no current bundle. */
  bundle: Bundle | undefined;
  totals: BudgetTotals | undefined;
  notes: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The notification's params, or undefined when they are not a bundle change. */
export function parseChange(params: unknown): BundleChange | undefined {
  if (!isRecord(params) || typeof params.version !== "number" || !Number.isFinite(params.version)) return undefined;
  const bundle = params.bundle === null ? undefined : parseBundle(params.bundle);
  if (params.bundle !== null && bundle === undefined) return undefined;
  const totals = bundle === undefined ? parseBudget({ present: false }) : parseBudget(params.totals) ?? parseBudget(params.bundle);
  return {
    version: params.version,
    cause: typeof params.cause === "string" ? params.cause : "",
    bundle,
    totals,
    notes: Array.isArray(params.notes) ? params.notes.filter((n): n is string => typeof n === "string") : [],
  };
}

/** What the extension does with a notification. */
export type FollowAction =
  | { kind: "show"; bundle: Bundle | undefined; totals: BudgetTotals | undefined; notes: string[] }
  | { kind: "totals"; totals: BudgetTotals; fetch: boolean }
  | { kind: "ignore" };

/** Keeps the order of the changes of one server process. */
export class BundleFollower {
  private version = 0;
  private announced = false;

  /** Whether this server announces its changes (`ctxsteward/bundle`): command results then need not set the view. */
  get follows(): boolean {
    return this.announced;
  }

  /** A new server process: its versions start again. */
  reset(): void {
    this.version = 0;
    this.announced = false;
  }

  /** `ctxsteward/bundle`: show it, unless an equal or newer version was shown already. */
  onBundle(params: unknown): FollowAction {
    const change = parseChange(params);
    if (!change || change.version <= this.version) return { kind: "ignore" };
    this.version = change.version;
    this.announced = true;
    return { kind: "show", bundle: change.bundle, totals: change.totals, notes: change.notes };
  }

  /**
   * `ctxsteward/budget`: for a server that announces its changes the bundle notification says it
   * all; for an older one, the totals go to the status bar and the view fetches the bundle when
   * they differ from what it shows (`shown`), or it shows none.
   */
  onBudget(params: unknown, shown: Bundle | undefined): FollowAction {
    if (this.announced) return { kind: "ignore" };
    const totals = parseBudget(params);
    if (!totals) return { kind: "ignore" };
    const fetch = totals.present
      ? shown === undefined || shown.totalTokens !== totals.totalTokens || shown.items.length !== totals.items
      : shown !== undefined;
    return { kind: "totals", totals, fetch };
  }
}
