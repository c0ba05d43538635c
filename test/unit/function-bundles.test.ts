/**
 * What the Lambda bundles carry, built as the CDK app builds them (esbuild, ESM for Node 24, minified), in one
 * build of every function: only the metafile is read, nothing is written. Classic `zod` brings every locale
 * (~440 KiB in each function that used it); the functions validate with `zod/mini` (+ zod's core) instead.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Every directory whose modules are Lambda handlers (routes, events, operator functions, streams, authorizers). */
const FUNCTION_DIRECTORIES = ["api", "events", "operations", "streams", "authorizers"];

/** zod's files a bundle may hold: zod/mini and the core it is built on. Not classic zod, not its locales. */
const ALLOWED_ZOD = /node_modules\/zod\/(mini|v4\/mini|v4\/core)\//;

test("no function bundle carries classic zod or zod's locales", { timeout: 120_000 }, async () => {
  const entryPoints = FUNCTION_DIRECTORIES.flatMap((directory) =>
    readdirSync(path.join(ROOT, "functions", directory))
      .filter((file) => file.endsWith(".ts"))
      .map((file) => `functions/${directory}/${file}`),
  );
  expect(entryPoints.length).toBeGreaterThan(20);

  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    mainFields: ["module", "main"],
    outdir: "bundles",
    outExtension: { ".js": ".mjs" },
    write: false,
    metafile: true,
    logLevel: "silent",
  });

  // An output's inputs are the files that put code into that bundle (what tree shaking dropped is not listed).
  const bundles = Object.values(metafile.outputs).filter((output) => output.entryPoint !== undefined);
  expect(bundles.map((output) => output.entryPoint).sort()).toEqual([...entryPoints].sort());
  const zodInputs = (output: (typeof bundles)[number]) => Object.keys(output.inputs).filter((input) => input.includes("node_modules/zod/"));
  const forbidden = Object.fromEntries(
    bundles
      .map((output) => [output.entryPoint, zodInputs(output).filter((input) => !ALLOWED_ZOD.test(input))] as const)
      .filter(([, inputs]) => inputs.length > 0),
  );
  expect(forbidden).toEqual({});
  // The check above means something only while zod's files are named as expected: zod/mini is found.
  expect(bundles.some((output) => zodInputs(output).some((input) => input.includes("node_modules/zod/v4/mini/")))).toBe(true);
});
