import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { App, Validations, type AppProps } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { ApiTokenServiceStack } from "./api-token-service-stack.ts";
import { assertStageName, type ApiTokenServiceStackProps } from "./stack-options.ts";

export const STACK_NAME = "ApiTokenService";

/** A stage's stack: `ApiTokenService-dev`. Without a stage, the first deployment's name (an update keeps it). */
export const stackNameFor = (stage: string | undefined): string => (stage === undefined ? STACK_NAME : `${STACK_NAME}-${stage}`);

/**
 * The CDK app as `cdk synth` / `cdk deploy` build it: the service's stack, checked by cdk-nag's AWS Solutions
 * and Serverless packs. Synthesis fails on any finding that is not acknowledged (with its reason) on the one
 * resource it concerns. Tests build the same app.
 */
export function buildApp(appProps: AppProps = {}, stackProps: ApiTokenServiceStackProps = {}) {
  // cdk.json's feature flags, also when a test builds the app: tests see the template `cdk deploy` makes.
  const app = new App({ ...appProps, context: { ...featureFlags(), ...appProps.context } });
  const contextStage: unknown = app.node.tryGetContext("stage");
  const stage = stackProps.stage ?? (typeof contextStage === "string" && contextStage !== "" ? contextStage : undefined);
  if (stage !== undefined) assertStageName(stage);
  const stack = new ApiTokenServiceStack(app, stackNameFor(stage), {
    stage,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    ...stackProps,
  });
  // cdk-nag 3 is a policy-validation plugin (the old `Aspects.of(app).add(...)` form throws).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

function featureFlags(): Record<string, unknown> {
  const cdkJson = fileURLToPath(new URL("../cdk.json", import.meta.url));
  return (JSON.parse(readFileSync(cdkJson, "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}

// Run as the CDK app (`npx tsx infra/app.ts`), not when a test imports buildApp.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildApp().app.synth();
}
