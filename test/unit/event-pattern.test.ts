import { describe, expect, test } from "vitest";
import { eventRules } from "../../infra/event-rules.ts";
import { compileEventPattern, EventPatternError } from "../../local/event-pattern.ts";

const event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "User Upserted",
  source: "platform.users",
  account: "000000000000",
  time: "2025-01-02T03:04:05Z",
  region: "local",
  resources: [],
  detail: { orgId: "acme", userId: "u-1" },
};

const matches = (pattern: unknown, e: Record<string, unknown> = event) => compileEventPattern(pattern)(e);

describe("what the rules use: exact strings on source and detail-type", () => {
  test("a field matches any of its listed values", () => {
    expect(matches({ source: ["platform.users"] })).toBe(true);
    expect(matches({ source: ["other", "platform.users"] })).toBe(true);
    expect(matches({ source: ["platform.organizations"] })).toBe(false);
  });

  test("every field of the pattern must match", () => {
    expect(matches({ source: ["platform.users"], "detail-type": ["User Upserted"] })).toBe(true);
    expect(matches({ source: ["platform.users"], "detail-type": ["User Deleted"] })).toBe(false);
    expect(matches({ source: ["platform.organizations"], "detail-type": ["User Upserted"] })).toBe(false);
  });

  test("matching is exact: case, white space and prefixes count", () => {
    expect(matches({ "detail-type": ["user upserted"] })).toBe(false);
    expect(matches({ "detail-type": ["User Upserted "] })).toBe(false);
    expect(matches({ source: ["platform"] })).toBe(false);
  });

  test("an event without the field, or with a value that is not a string, does not match", () => {
    const { source: _, ...withoutSource } = event;
    expect(matches({ source: ["platform.users"] }, withoutSource)).toBe(false);
    expect(matches({ source: ["platform.users"] }, { ...event, source: ["platform.users"] })).toBe(false);
    expect(matches({ source: ["toString"] }, Object.create({ source: "toString" }))).toBe(false);
  });
});

describe("anything else is refused when the pattern is compiled (the local server's start), never silently mismatched", () => {
  test.each([
    ["not an object", "source"],
    ["null", null],
    ["an array", [{ source: ["x"] }]],
    ["an empty pattern", {}],
    ["a bare value", { source: "platform.users" }],
    ["an empty array", { source: [] }],
    ["a nested array", { source: [["x"]] }],
    ["a number", { source: [1] }],
    ["null as a value", { source: [null] }],
    ["a boolean", { source: [true] }],
    ["prefix", { source: [{ prefix: "platform." }] }],
    ["wildcard", { source: [{ wildcard: "platform.*" }] }],
    ["anything-but", { source: [{ "anything-but": "aws.events" }] }],
    ["exists", { source: [{ exists: true }] }],
    ["equals-ignore-case", { "detail-type": [{ "equals-ignore-case": "user upserted" }] }],
    ["numeric", { source: [{ numeric: [">", 0] }] }],
    ["a nested detail field", { detail: { orgId: ["acme"] } }],
    ["another envelope field", { account: ["000000000000"] }],
    ["$or", { $or: [{ source: ["a"] }, { source: ["b"] }] }],
  ])("%s", (_name, pattern) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternError);
  });

  test("the refusal names the field and what it cannot match", () => {
    expect(() => compileEventPattern({ source: [{ wildcard: "platform.*" }] })).toThrow(/source.*wildcard/);
    expect(() => compileEventPattern({ detail: { orgId: ["acme"] } })).toThrow(/"detail".*not|supported/);
  });

  test("a bad field is refused even after one that would already fail to match", () => {
    expect(() => compileEventPattern({ source: ["nope"], "detail-type": [{ prefix: "User" }] })).toThrow(EventPatternError);
  });
});

describe("the platform's event rules", () => {
  test("every rule pattern compiles", () => {
    for (const rule of eventRules) expect(() => compileEventPattern(rule.pattern)).not.toThrow();
  });

  test("each rule matches its own events only", () => {
    const matching = (e: Record<string, unknown>) =>
      eventRules.filter((rule) => compileEventPattern(rule.pattern)(e)).map((rule) => rule.operation);
    expect(matching(event)).toEqual(["on-user-upserted"]);
    expect(matching({ ...event, source: "platform.organizations", "detail-type": "Organization Settings Changed" })).toEqual([
      "on-organization-settings-changed",
    ]);
    expect(matching({ ...event, source: "platform.users", "detail-type": "User Deleted" })).toEqual([]);
    // The right detail-type from another source is not the platform's event.
    expect(matching({ ...event, source: "platform.organizations", "detail-type": "User Upserted" })).toEqual([]);
  });
});
