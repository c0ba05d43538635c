/**
 * The bundles `npm run bench` measures are the bundles that deploy: OperationFunction hands NodejsFunction
 * `lambdaBundling(...)`, and `esbuildOptionsOf` turns those props into the same esbuild build CDK runs
 * (compared with the arguments CDK's own Bundling class makes of them).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Architecture } from "aws-cdk-lib/aws-lambda";
import type { BuildOptions } from "esbuild";
import { afterEach, describe, expect, test, vi } from "vitest";
import { esbuildOptionsOf, LAMBDA_RUNTIME, lambdaBundling } from "../../infra/bundling.ts";
import { OperationFunction, REPOSITORY_ROOT } from "../../infra/constructs/operation-function.ts";

const require = createRequire(import.meta.url);
/** CDK's own bundling class (not exported by the package: loaded from its file, as NodejsFunction loads it). */
const { Bundling } = require(path.join(path.dirname(require.resolve("aws-cdk-lib/package.json")), "aws-lambda-nodejs/lib/bundling.js"));

const noBundlingStack = () => new Stack(new App({ context: { "aws:cdk:bundling-stacks": [] } }), "BundlingTest");

/** esbuild's options as its command-line arguments (the options esbuildOptionsOf uses, nothing else). */
function toCliArguments(options: BuildOptions): string[] {
  return Object.entries(options).flatMap(([name, value]): string[] => {
    switch (name) {
      case "bundle":
      case "minify":
        return value ? [`--${name}`] : [];
      case "sourcemap":
        return value === true ? ["--sourcemap"] : [`--sourcemap=${value}`];
      case "platform":
      case "target":
      case "format":
        return [`--${name}=${value}`];
      case "banner":
        return [`--banner:js=${(value as { js: string }).js}`];
      case "mainFields":
        return [`--main-fields=${(value as string[]).join(",")}`];
      default:
        throw new Error(`no command-line form for ${name}`);
    }
  });
}

/** What CDK passes esbuild for these props (besides the entry and the output file). */
function cdkArguments(sourceMaps: boolean): string[] {
  const stack = noBundlingStack();
  const bundling = new Bundling(stack, {
    ...lambdaBundling({ sourceMaps }),
    entry: path.join(REPOSITORY_ROOT, "functions/api/verify-token.ts"),
    runtime: LAMBDA_RUNTIME,
    architecture: Architecture.ARM_64,
    depsLockFilePath: path.join(REPOSITORY_ROOT, "package-lock.json"),
    projectRoot: REPOSITORY_ROOT,
  });
  const args: string[] = bundling.buildEsbuildArgs(stack, "/input", "/output", path.join);
  const outfile = args.filter((arg) => arg.startsWith("--outfile="));
  // An ESM bundle is index.mjs, which Lambda loads as a module.
  expect(outfile).toEqual(["--outfile=/output/index.mjs"]);
  return ["--bundle", ...args.filter((arg) => !arg.startsWith("--outfile="))];
}

describe("bundling", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test.each([false, true])("OperationFunction gives NodejsFunction lambdaBundling's props (source maps: %s)", (sourceMaps) => {
    const bundle = vi.spyOn(Bundling, "bundle");
    new OperationFunction(noBundlingStack(), "Verify", {
      operation: "verify-token",
      handlerModule: "functions/api/verify-token.ts",
      invocation: "synchronous",
      sourceMaps,
    });
    expect(bundle).toHaveBeenCalledTimes(1);
    const props = bundle.mock.calls[0]![1] as Record<string, unknown>;
    expect(props).toMatchObject({ ...lambdaBundling({ sourceMaps }), runtime: LAMBDA_RUNTIME });
    // Nothing else that shapes the bundle: only lambdaBundling's props and NodejsFunction's own.
    const fromNodejsFunction = ["entry", "runtime", "architecture", "depsLockFilePath", "projectRoot"];
    expect(
      Object.keys(props)
        .filter((name) => props[name] !== undefined && !fromNodejsFunction.includes(name))
        .sort(),
    ).toEqual(Object.keys(lambdaBundling({ sourceMaps })).sort());
  });

  test.each([false, true])("esbuildOptionsOf builds what CDK's esbuild arguments say (source maps: %s)", (sourceMaps) => {
    const options = esbuildOptionsOf(lambdaBundling({ sourceMaps }));
    expect(toCliArguments(options).sort()).toEqual(cdkArguments(sourceMaps).sort());
    expect(options).toMatchObject({ bundle: true, platform: "node", target: "node24", format: "esm", minify: true });
  });

  test("a bundling prop it does not map is an error, not a silently different bundle", () => {
    expect(() => esbuildOptionsOf({ ...lambdaBundling({ sourceMaps: false }), keepNames: true })).toThrow(/keepNames/);
    expect(() => esbuildOptionsOf({ ...lambdaBundling({ sourceMaps: false }), bundleAwsSDK: false })).toThrow(/AWS SDK/);
  });
});
