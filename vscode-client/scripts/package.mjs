// `npm run package`: build, package the .vsix with vsce, then check what is inside it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readZip } from "./zip.mjs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const out = `${pkg.name}-${pkg.version}.vsix`;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

run(process.execPath, ["esbuild.mjs"]);
run(process.execPath, [
  "node_modules/@vscode/vsce/vsce", "package", "--no-dependencies", "--allow-missing-repository",
  "--no-rewrite-relative-links", "--out", out,
]);

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
if (size > 5 * 1024 * 1024) problems.push(`the .vsix is ${size} bytes (over 5 MiB)`);
for (const m of names.filter((n) => n.startsWith("extension/media/"))) {
  if (!existsSync(m.replace(/^extension\//, ""))) problems.push(`stray ${m}`);
}

if (problems.length) {
  console.error(`${out}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`${out}: ${names.length} files, ${(size / 1024).toFixed(0)} KiB; manifest ${pkg.publisher}.${pkg.name}@${pkg.version}, ` +
  `${inner.contributes.commands.length} commands, ${Object.keys(inner.contributes.configuration.properties).length} settings, engine ${pkg.engines.vscode}: ok`);
