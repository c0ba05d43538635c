/**
 * Builds the API tokens page into a folder of static files: `index.html`, and the script and style sheet under
 * `assets/` with content hashes in their names (so they can be cached for a year while `index.html` is not).
 * Synchronous, because the CDK stack builds it during synthesis, as it bundles the functions.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));

export interface BuiltWebPage {
  readonly outDir: string;
  /** Paths relative to outDir. */
  readonly files: readonly string[];
  /** Gzip-free sizes in bytes of the script and the style sheet. */
  readonly scriptBytes: number;
  readonly styleBytes: number;
}

export function buildWebPage(options: { outDir: string; minify?: boolean }): BuiltWebPage {
  const { outDir } = options;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "assets"), { recursive: true });
  const result = buildSync({
    entryPoints: { app: join(WEB_ROOT, "src", "main.tsx") },
    bundle: true,
    format: "esm",
    target: ["chrome120", "firefox120", "safari17"],
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: "none",
    entryNames: "[name]-[hash]",
    outdir: join(outDir, "assets"),
    metafile: true,
    write: true,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(outDir, file));
  const script = outputs.find((file) => file.endsWith(".js"));
  const style = outputs.find((file) => file.endsWith(".css"));
  if (!script) throw new Error("the page build wrote no script");
  const template = readFileSync(join(WEB_ROOT, "index.html"), "utf8");
  const html = template
    .replace("<!--style-->", style ? `<link rel="stylesheet" href="/${style}">` : "")
    .replace("<!--script-->", `<script type="module" src="/${script}"></script>`);
  writeFileSync(join(outDir, "index.html"), html);
  const size = (file: string | undefined) => (file ? readFileSync(join(outDir, file)).length : 0);
  return {
    outDir,
    files: ["index.html", ...outputs.map((file) => file.split("\\").join("/"))].sort(),
    scriptBytes: size(script),
    styleBytes: size(style),
  };
}

// `npx tsx web/build.ts [outDir]`
if (process.argv[1] !== undefined && basename(process.argv[1]) === "build.ts" && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = buildWebPage({ outDir: process.argv[2] ?? join(WEB_ROOT, "dist") });
  process.stdout.write(`${JSON.stringify(built, null, 2)}\n`);
}
