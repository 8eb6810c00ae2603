/**
 * When to restart a crashed server: exponential backoff (1 s, 2 s, 4 s, … capped), giving up after
 * too many crashes in a short window, and forgetting old crashes once a run has been stable.
 * No `vscode` import and no timers: the caller passes the clock. Unit-tested with vitest.
 */

export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Give up when more than this many crashes happen within `windowMs`. */
  maxCrashes: number;
  windowMs: number;
  /** A run at least this long clears the crash history. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  factor: 2,
  maxMs: 30_000,
  maxCrashes: 5,
  windowMs: 3 * 60_000,
  stableMs: 60_000,
};

export type CrashDecision =
  | { action: "restart"; delayMs: number; attempt: number }
  | { action: "give-up"; crashes: number; windowMs: number };

export class RestartPolicy {
  private crashes: number[] = [];
  readonly options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
  }

  /** The delay before restart number `attempt` (1-based). */
  delayFor(attempt: number): number {
    const { initialMs, factor, maxMs } = this.options;
    return Math.min(maxMs, Math.round(initialMs * factor ** Math.max(0, attempt - 1)));
  }

  /** The server that started at `startedAt` stopped unexpectedly at `now`. */
  onCrash(now: number, startedAt: number): CrashDecision {
    if (now - startedAt >= this.options.stableMs) this.crashes = [];
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    if (this.crashes.length > this.options.maxCrashes) {
      return { action: "give-up", crashes: this.crashes.length, windowMs: this.options.windowMs };
    }
    const attempt = this.crashes.length;
    return { action: "restart", delayMs: this.delayFor(attempt), attempt };
  }

  /** A restart asked for by the user starts from a clean slate. */
  reset(): void {
    this.crashes = [];
  }

  get recentCrashes(): number {
    return this.crashes.length;
  }
}
