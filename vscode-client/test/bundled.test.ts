// The extension's choice of server against a real platform build: bundled/ as
// `npm run package:platform` leaves it (skipped when it was not built).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBundled } from "../src/logic/bundled";
import { firstWorking } from "../src/logic/probe";
import { candidates } from "../src/logic/serverCommand";

const bundled = readBundled(join(__dirname, "..", "bundled"));
if (!bundled) console.log("bundled.test: no vscode-client/bundled/ (npm run package:platform -- --target linux-x64 builds it): skipped");

describe.skipIf(!bundled)("the bundled server, as the extension finds it", () => {
  it("starts on a Python it finds on PATH when nothing is installed", async () => {
    // No ctxsteward anywhere: the system's directories only (Debian 12's python3 is 3.11).
    const env = { PATH: ["/usr/local/bin", "/usr/bin", "/bin"].join(":"), HOME: process.env.HOME ?? "/tmp" };
    const found = await firstWorking(candidates({ setting: "", bundled, platform: process.platform }), { env });
    expect(found.tried.find((t) => t.candidate.source === "path")?.result.failure).toBe("not-found");
    if (!found.chosen) {
      // A machine with no Python 3.11-3.13 there: each one tried says why.
      console.log(`bundled.test: no Python 3.11-3.13 in /usr/local/bin, /usr/bin, /bin: ${found.tried.map((t) => `${t.candidate.origin}: ${t.result.failure}`).join("; ")}`);
      expect(found.tried.filter((t) => t.candidate.source === "bundled").length).toBeGreaterThan(0);
      return;
    }
    expect(found.chosen.source).toBe("bundled");
    expect(found.chosen.args.slice(-2)).toEqual([bundled?.launcher, "serve"]);
    expect(found.version).toMatch(/^ctxsteward \d+\.\d+\.\d+$/);
  }, 60_000);

  it("tells an interpreter of another version which ones it needs", async () => {
    const old = ["/root/.pyenv/versions/3.10.13/bin/python3.10", "/usr/bin/python3.10", "/usr/bin/python3.9"].find((p) => existsSync(p));
    if (!old) return;
    const cands = candidates({ setting: "", pythonInterpreter: [old], bundled, platform: process.platform });
    const found = await firstWorking(cands.filter((c) => c.command === old && c.source === "bundled"));
    expect(found.tried[0].result).toMatchObject({ ok: false, failure: "python-version" });
    expect(found.tried[0].result.detail).toMatch(/^Python 3\.(9|10)\.\d+$/);
  }, 60_000);
});
