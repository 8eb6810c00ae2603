/**
 * The server a platform build of the extension carries under bundled/ (scripts/bundle_server.py
 * writes it): its launcher and the Python versions it has libraries for. Node only, no `vscode`
 * import: tested with vitest.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BundledServer } from "./serverCommand";

/** Read bundled/manifest.json under `dir`; undefined when there is no usable bundle (the universal build). */
export function readBundled(dir: string): BundledServer | undefined {
  const launcher = join(dir, "launch.py");
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  if (!existsSync(launcher) || typeof manifest !== "object" || manifest === null) return undefined;
  const m = manifest as { pythons?: unknown; target?: unknown };
  const pythons = Array.isArray(m.pythons) ? m.pythons.filter((p): p is string => typeof p === "string" && /^3\.\d+$/.test(p)) : [];
  const present = pythons.filter((v) => existsSync(join(dir, "libs", `cp${v.replace(".", "")}`)));
  if (present.length === 0) return undefined;
  return { launcher, pythons: present, target: typeof m.target === "string" ? m.target : "unknown" };
}
