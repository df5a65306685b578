// Builds the catalog's browser pages into ../src/lineage_catalog/_web, which the API serves
// from its own origin (/assets/...). Nothing is fetched at run time: every import, stylesheet
// and font is bundled (fonts as data: URLs).
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../src/lineage_catalog/_web");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: {
    graphiql: path.join(here, "src/graphiql.js"),
    explore: path.join(here, "src/explore.js"),
  },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  loader: { ".woff2": "dataurl", ".woff": "dataurl", ".ttf": "dataurl", ".svg": "dataurl" },
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  legalComments: "linked",
  logLevel: "warning",
});
writeFileSync(path.join(out, ".built"), new Date().toISOString() + "\n");
console.log(`web pages built into ${path.relative(process.cwd(), out)}`);
