import type { PathCost } from "./cost.ts";

/**
 * results.json's shape, and the table printed at the end: the figures and the checks, each with its
 * target and PASS/FAIL. A check that fails is a finding, never the bench's failure.
 */

export interface FunctionFigures {
  bundleBytes: number;
  coldInitMs: number;
  sdkFloorBytes: number;
  sdkFloorInitMs: number;
}

export interface BenchResults {
  floor: { getItemP50Ms: number; getItemP99Ms: number; getItemRps16: number; sdkOnlyBundleBytes: number; sdkOnlyInitMs: number };
  verify: {
    p50Ms: number;
    p99Ms: number;
    /** The mean, for the cost of billed duration. */
    meanMs: number;
    readsPerCall: number;
    writesPerCall: number;
    httpRps16: number;
    httpP99Ms16: number;
    /** Bytes a deployed verify function writes to its log group per call (log-bytes.ts). */
    logBytesPerCall: number;
    logBytesPerDirectCall: number;
    logBytesPerRefusal: number;
  };
  generate: { p50Ms: number; p99Ms: number };
  functions: Record<string, FunctionFigures>;
  nodeBareStartMs: number;
  /** USD per million verifications, per path (cost.ts), from the figures above and the prices it names. */
  costPerMillionUsd: PathCost[];
  meta: {
    date: string;
    node: string;
    mode: "quick" | "full";
    cpus: number;
    cpuModel: string;
    loadAverage1m: number;
    samples: { getItem: number; verify: number; generate: number; rps16Calls: number };
    importRounds: number;
    /** Which SDK floor each function is held to (its bundle's client packages). */
    sdkFloorOf: Record<string, string>;
    wallSeconds: number;
  };
}

export interface Check {
  readonly what: string;
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (a: number, b: number) => (b === 0 ? "∞" : `${(a / b).toFixed(2)}×`);

export function checksOf(r: BenchResults): Check[] {
  const verifyFn = r.functions["verify-token"];
  if (!verifyFn) throw new Error("bench: no figures for verify-token.");
  return [
    {
      what: "verify.p50Ms ≤ 1.3 × floor.getItemP50Ms",
      value: `${ms(r.verify.p50Ms)} = ${ratio(r.verify.p50Ms, r.floor.getItemP50Ms)} of ${ms(r.floor.getItemP50Ms)}`,
      target: "≤ 1.30×",
      pass: r.verify.p50Ms <= 1.3 * r.floor.getItemP50Ms,
    },
    { what: "verify.readsPerCall ≤ 1.0", value: String(r.verify.readsPerCall), target: "≤ 1.0", pass: r.verify.readsPerCall <= 1.0 },
    { what: "verify.writesPerCall ≤ 0.01", value: String(r.verify.writesPerCall), target: "≤ 0.01", pass: r.verify.writesPerCall <= 0.01 },
    {
      what: "verify.httpRps16 ≥ 0.5 × floor.getItemRps16",
      value: `${r.verify.httpRps16}/s = ${ratio(r.verify.httpRps16, r.floor.getItemRps16)} of ${r.floor.getItemRps16}/s`,
      target: "≥ 0.50×",
      pass: r.verify.httpRps16 >= 0.5 * r.floor.getItemRps16,
    },
    {
      what: "verify-token bundleBytes ≤ 1.15 × floor.sdkOnlyBundleBytes",
      value: `${kib(verifyFn.bundleBytes)} = ${ratio(verifyFn.bundleBytes, r.floor.sdkOnlyBundleBytes)} of ${kib(r.floor.sdkOnlyBundleBytes)}`,
      target: "≤ 1.15×",
      pass: verifyFn.bundleBytes <= 1.15 * r.floor.sdkOnlyBundleBytes,
    },
    {
      what: "verify-token coldInitMs ≤ 1.15 × floor.sdkOnlyInitMs",
      value: `${ms(verifyFn.coldInitMs)} = ${ratio(verifyFn.coldInitMs, r.floor.sdkOnlyInitMs)} of ${ms(r.floor.sdkOnlyInitMs)}`,
      target: "≤ 1.15×",
      pass: verifyFn.coldInitMs <= 1.15 * r.floor.sdkOnlyInitMs,
    },
    ...Object.entries(r.functions).flatMap(([name, f]): Check[] => [
      {
        what: `${name} bundleBytes ≤ 1.3 × sdkFloorBytes`,
        value: `${ratio(f.bundleBytes, f.sdkFloorBytes)}`,
        target: "≤ 1.30×",
        pass: f.bundleBytes <= 1.3 * f.sdkFloorBytes,
      },
      {
        what: `${name} coldInitMs ≤ 1.3 × sdkFloorInitMs`,
        value: `${ratio(f.coldInitMs, f.sdkFloorInitMs)}`,
        target: "≤ 1.30×",
        pass: f.coldInitMs <= 1.3 * f.sdkFloorInitMs,
      },
    ]),
  ];
}

/** Left-aligned first column, the rest right-aligned, two spaces apart. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

const mark = (pass: boolean) => (pass ? "PASS" : "FAIL");

export function formatReport(r: BenchResults): string {
  const m = r.meta;
  const checks = checksOf(r);
  const lines = [
    "",
    `API token service bench — ${m.mode} run, ${m.date}, Node ${m.node}, ${m.cpus} CPUs (load ${m.loadAverage1m.toFixed(1)}), ${m.wallSeconds.toFixed(0)} s`,
    `DynamoDB Local (in memory); samples: GetItem ${m.samples.getItem}, verify ${m.samples.verify}, generate ${m.samples.generate}, ` +
      `16 in flight ${m.samples.rps16Calls} GetItems and ${m.samples.rps16Calls} HTTP requests (in turns); ` +
      `imports: median of ${m.importRounds} fresh processes each, less Node's bare start`,
    "",
    ...table(
      ["figure", "value"],
      [
        ["floor GetItem p50 / p99 (strongly consistent, same process)", `${ms(r.floor.getItemP50Ms)} / ${ms(r.floor.getItemP99Ms)}`],
        ["floor GetItems per second, 16 in flight", `${r.floor.getItemRps16}/s`],
        ["floor SDK-only bundle (document client + GetCommand)", kib(r.floor.sdkOnlyBundleBytes)],
        ["floor SDK-only cold init", ms(r.floor.sdkOnlyInitMs)],
        ["verify in-process p50 / p99 (hot user token)", `${ms(r.verify.p50Ms)} / ${ms(r.verify.p99Ms)}`],
        ["verify reads / writes per call", `${r.verify.readsPerCall} / ${r.verify.writesPerCall}`],
        [
          "verify log bytes per call: valid (HTTP / direct), refused",
          `${r.verify.logBytesPerCall} / ${r.verify.logBytesPerDirectCall}, ${r.verify.logBytesPerRefusal}`,
        ],
        ["verify over HTTP (local server), 16 connections", `${r.verify.httpRps16}/s, p99 ${ms(r.verify.httpP99Ms16)}`],
        ["generate user token p50 / p99 (domain, SSO org)", `${ms(r.generate.p50Ms)} / ${ms(r.generate.p99Ms)}`],
        ["Node bare start (empty module)", ms(r.nodeBareStartMs)],
      ],
    ),
    "",
    ...table(
      ["function", "bundle", "SDK floor", "ratio", "≤1.3×", "cold init", "SDK floor", "ratio", "≤1.3×", "floor"],
      Object.entries(r.functions).map(([name, f]) => [
        name,
        kib(f.bundleBytes),
        kib(f.sdkFloorBytes),
        ratio(f.bundleBytes, f.sdkFloorBytes),
        mark(f.bundleBytes <= 1.3 * f.sdkFloorBytes),
        ms(f.coldInitMs),
        ms(f.sdkFloorInitMs),
        ratio(f.coldInitMs, f.sdkFloorInitMs),
        mark(f.coldInitMs <= 1.3 * f.sdkFloorInitMs),
        m.sdkFloorOf[name] ?? "",
      ]),
    ),
    "",
    ...table(
      ["check", "value", "target", "result"],
      checks
        .filter((c) => !/ (bundleBytes|coldInitMs) ≤ 1\.3 × sdkFloor/.test(c.what))
        .map((c) => [c.what, c.value, c.target, mark(c.pass)]),
    ),
    "",
    ...table(
      ["cost per million verifications (USD, list prices in bench/cost.ts)", "total", "of which"],
      r.costPerMillionUsd.map((c) => [
        c.path,
        `$${c.perMillion.toFixed(3)}`,
        Object.entries(c.parts)
          .filter(([, usd]) => usd >= 0.0005)
          .map(([part, usd]) => `${part} ${usd.toFixed(3)}`)
          .join(", "),
      ]),
    ),
    "",
    `${checks.filter((c) => c.pass).length} of ${checks.length} checks pass (the per-function ones are in the functions table); ` +
      "results in bench/results.json.",
    "",
  ];
  return lines.join("\n");
}
