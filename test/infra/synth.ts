import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../../infra/app.ts";
import type { ApiTokenServiceStack } from "../../infra/api-token-service-stack.ts";

export interface Violation {
  readonly pack: string;
  readonly rule: string;
  readonly severity: string;
  readonly paths: readonly string[];
}

export interface Synthesized {
  readonly stack: ApiTokenServiceStack;
  readonly template: Template;
  /** Every finding the nag packs reported that no acknowledgement covers. */
  readonly violations: readonly Violation[];
}

/** Reads cdk's validation report (written even when synthesis fails). */
export function readViolations(outdir: string): Violation[] {
  let report: { pluginReports: { pluginName: string; violations: any[] }[] };
  try {
    report = JSON.parse(readFileSync(path.join(outdir, "validation-report.json"), "utf8"));
  } catch {
    return [];
  }
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({
      pack: plugin.pluginName,
      rule: v.ruleName,
      severity: v.severity,
      paths: (v.violatingConstructs ?? v.violatingResources ?? []).map((c: any) => c.constructPath),
    })),
  );
}

/**
 * The app exactly as `infra/app.ts` builds it (the stack and both nag packs), synthesized once, without
 * bundling (no test looks at the assets). A nag failure is reported as the list of unacknowledged findings.
 */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), "api-token-service-synth-"));
  try {
    const { app, stack } = buildApp(
      { outdir, context: { "aws:cdk:bundling-stacks": [], ...context } },
      { env: { account: "123456789012", region: "eu-west-1" } },
    );
    try {
      const assembly = app.synth();
      const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
      return { stack, template, violations: readViolations(outdir) };
    } catch (error) {
      const violations = readViolations(outdir);
      if (violations.length === 0) throw error;
      throw new Error(
        `cdk-nag found unacknowledged findings:\n${violations.map((v) => `${v.severity} ${v.rule} at ${v.paths.join(", ")}`).join("\n")}`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
