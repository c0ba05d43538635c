import { Runtime } from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";

/** Every function's runtime: Lambda's Node.js 24 (the esbuild target, `node24`, follows from it). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * ESM bundles still contain CommonJS dependencies that call `require`; esbuild's shim needs a real one.
 * The alias keeps the banner's import from colliding with a bundled `createRequire` binding.
 */
const ESM_REQUIRE_BANNER =
  'import { createRequire as __bannerCreateRequire } from "node:module"; const require = __bannerCreateRequire(import.meta.url);';

/**
 * How every function is bundled: NodejsFunction's `bundling` props (OperationFunction passes exactly these).
 * `npm run bench` builds the same bundles through `esbuildOptionsOf`, so what it measures is what deploys.
 */
export function lambdaBundling(options: { sourceMaps: boolean }): BundlingOptions {
  return {
    // esbuild is a devDependency, so CDK bundles locally; never fall back to Docker.
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    mainFields: ["module", "main"],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    sourceMap: options.sourceMaps,
    // Pin the SDK to the lockfile's version instead of whatever the runtime ships.
    bundleAwsSDK: true,
  };
}

/** Props that change nothing in the bundle esbuild writes (how CDK runs it, not what it builds). */
const NOT_IN_THE_BUNDLE = new Set<string>(["forceDockerBundling"]);

/**
 * NodejsFunction's `bundling` props as esbuild's own build options, the way CDK turns them into esbuild
 * arguments (aws-lambda-nodejs: `--bundle`, `--target` from the runtime, `--platform=node`, `--format`,
 * `--minify`, `--sourcemap`, `--banner:js`, `--main-fields`; no `--external` with the SDK bundled).
 * A prop it does not know is an error, so a new bundling prop cannot silently be left out of the bench.
 * Entry point and output file are the caller's.
 */
export function esbuildOptionsOf(bundling: BundlingOptions, runtime: Runtime = LAMBDA_RUNTIME): BuildOptions {
  const known = new Set([...NOT_IN_THE_BUNDLE, "format", "mainFields", "banner", "minify", "sourceMap", "bundleAwsSDK", "target"]);
  const unknown = Object.entries(bundling)
    .filter(([name, value]) => value !== undefined && !known.has(name))
    .map(([name]) => name);
  if (unknown.length > 0) throw new Error(`esbuildOptionsOf: bundling prop(s) ${unknown.join(", ")} not mapped to esbuild options.`);
  // Without it CDK marks the SDK external, and which packages depends on a feature flag: not mapped here.
  if (bundling.bundleAwsSDK !== true) throw new Error("esbuildOptionsOf: only bundles that include the AWS SDK (bundleAwsSDK) are mapped.");
  const version = /^nodejs(\d+)/.exec(runtime.name)?.[1];
  if (!version) throw new Error(`esbuildOptionsOf: no Node.js version in runtime ${runtime.name}.`);
  return {
    bundle: true,
    platform: "node",
    target: bundling.target ?? `node${version}`,
    ...(bundling.format ? { format: bundling.format === OutputFormat.ESM ? "esm" : "cjs" } : {}),
    ...(bundling.minify ? { minify: true } : {}),
    ...(bundling.sourceMap ? { sourcemap: true } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
  };
}
