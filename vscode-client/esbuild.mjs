// Bundle the extension into dist/extension.js (CommonJS, as VS Code loads it); `vscode` stays external.
import * as esbuild from "esbuild";

const production = !process.argv.includes("--dev");

await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  format: "cjs",
  platform: "node",
  target: "node18",
  external: ["vscode"],
  sourcemap: production ? false : "linked",
  minify: production,
  legalComments: "linked",
  logLevel: "info",
});
