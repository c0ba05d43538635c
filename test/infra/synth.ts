import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

/** What the template-only test files need: the template, its stack's name and the nag findings. */
export interface SynthesizedTemplate {
  readonly stackName: string;
  readonly template: Template;
  readonly violations: readonly Violation[];
}

const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Everything a synthesized template (without bundling, so without the page's own code) is made from. */
const SOURCES = ["infra", "functions", "web/site-config.ts", "web/build.ts", "cdk.json", "package-lock.json", "test/infra/synth.ts"];
const CACHE_DIR = path.join(tmpdir(), "api-token-service-synth-cache");

function sourceDigest(context: Record<string, unknown>): string {
  const hash = createHash("sha256").update(REPOSITORY_ROOT).update(JSON.stringify(context));
  const visit = (file: string): void => {
    if (statSync(file).isDirectory()) {
      for (const entry of readdirSync(file).sort()) visit(path.join(file, entry));
    } else {
      hash.update(path.relative(REPOSITORY_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  };
  for (const source of SOURCES) visit(path.join(REPOSITORY_ROOT, source));
  return hash.digest("hex").slice(0, 32);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * `synthesize(context)` for tests that only read the template: synthesized once per content of the sources
 * (infra/, functions/, cdk.json, the lockfile) and context, then shared between the test files (vitest runs
 * each file in its own worker, so a module-level cache would synthesize the same app once per file). A
 * change to any source is a new key, so a stale template is never served.
 */
export function synthesizeShared(context: Record<string, unknown> = {}): SynthesizedTemplate {
  mkdirSync(CACHE_DIR, { recursive: true });
  const key = sourceDigest(context);
  const file = path.join(CACHE_DIR, `${key}.json`);
  const lock = path.join(CACHE_DIR, `${key}.lock`);
  const read = (): SynthesizedTemplate => {
    const cached = JSON.parse(readFileSync(file, "utf8")) as { stackName: string; template: unknown; violations: Violation[] };
    return {
      stackName: cached.stackName,
      template: Template.fromJSON(cached.template as Record<string, unknown>),
      violations: cached.violations,
    };
  };
  if (existsSync(file)) return read();
  let locked = false;
  try {
    mkdirSync(lock);
    locked = true;
  } catch {
    // Another worker synthesizes this app: wait for its result (at most 3 minutes), then do it here.
    for (let waited = 0; waited < 180_000 && existsSync(lock) && !existsSync(file); waited += 250) sleep(250);
    if (existsSync(file)) return read();
  }
  try {
    const { stack, template, violations } = synthesize(context);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ stackName: stack.stackName, template: template.toJSON(), violations }));
    renameSync(temporary, file);
    return { stackName: stack.stackName, template, violations };
  } finally {
    if (locked) rmSync(lock, { recursive: true, force: true });
  }
}
