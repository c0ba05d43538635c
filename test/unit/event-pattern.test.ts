import { describe, expect, test } from "vitest";
import { eventRules } from "../../infra/event-rules.ts";
import { EventPatternError, matchesEventPattern, validateEventPattern } from "../../local/event-pattern.ts";

const event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "User Upserted",
  source: "platform.users",
  account: "000000000000",
  time: "2025-01-02T03:04:05Z",
  region: "local",
  resources: ["arn:aws:users:::user/u-1", "arn:aws:users:::user/u-2"],
  detail: {
    userId: "u-1",
    email: "Ada@Example.com",
    age: 36,
    score: 7.5,
    active: true,
    nickname: null,
    groups: ["admins", "billing"],
    counts: [1, 20, 300],
    sites: [
      { siteId: "s-1", role: "viewer" },
      { siteId: "s-2", role: "owner" },
    ],
    address: { city: "London", postcode: "N1" },
  },
};

const matches = (detail: unknown) => matchesEventPattern({ detail }, event);

describe("literal values", () => {
  test("top-level fields match any listed value", () => {
    expect(matchesEventPattern({ source: ["platform.users"] }, event)).toBe(true);
    expect(matchesEventPattern({ source: ["other", "platform.users"] }, event)).toBe(true);
    expect(matchesEventPattern({ source: ["platform.organizations"] }, event)).toBe(false);
  });

  test("every field of the pattern must match", () => {
    expect(matchesEventPattern({ source: ["platform.users"], "detail-type": ["User Upserted"] }, event)).toBe(true);
    expect(matchesEventPattern({ source: ["platform.users"], "detail-type": ["User Deleted"] }, event)).toBe(false);
  });

  test("numbers, booleans and null match by type and value", () => {
    expect(matches({ age: [36] })).toBe(true);
    expect(matches({ age: [36.0] })).toBe(true);
    expect(matches({ age: ["36"] })).toBe(false);
    expect(matches({ active: [true] })).toBe(true);
    expect(matches({ active: [false] })).toBe(false);
    expect(matches({ active: ["true"] })).toBe(false);
    expect(matches({ nickname: [null] })).toBe(true);
    expect(matches({ userId: [null] })).toBe(false);
  });

  test("matching is case sensitive", () => {
    expect(matches({ email: ["ada@example.com"] })).toBe(false);
  });

  test("a missing field never matches a value", () => {
    expect(matches({ missing: ["x"] })).toBe(false);
    expect(matches({ missing: [null] })).toBe(false);
  });

  test("an array event value matches when any element matches", () => {
    expect(matches({ groups: ["billing"] })).toBe(true);
    expect(matches({ groups: ["support", "admins"] })).toBe(true);
    expect(matches({ groups: ["support"] })).toBe(false);
    expect(matchesEventPattern({ resources: ["arn:aws:users:::user/u-2"] }, event)).toBe(true);
  });

  test("a pattern leaf does not match an object value", () => {
    expect(matches({ address: ["London"] })).toBe(false);
  });
});

describe("nesting", () => {
  test("nested objects match nested fields", () => {
    expect(matches({ address: { city: ["London"] } })).toBe(true);
    expect(matches({ address: { city: ["Paris"] } })).toBe(false);
    expect(matches({ address: { city: ["London"], postcode: ["N1"] } })).toBe(true);
    expect(matches({ address: { city: ["London"], postcode: ["E1"] } })).toBe(false);
  });

  test("a nested pattern matches any object of an array", () => {
    expect(matches({ sites: { role: ["owner"] } })).toBe(true);
    expect(matches({ sites: { siteId: ["s-2"], role: ["owner"] } })).toBe(true);
    // Both fields must come from the same element.
    expect(matches({ sites: { siteId: ["s-1"], role: ["owner"] } })).toBe(false);
  });

  test("a nested pattern under a missing object matches only absence", () => {
    expect(matches({ missing: { field: ["x"] } })).toBe(false);
    expect(matches({ missing: { field: [{ exists: false }] } })).toBe(true);
  });
});

describe("operators", () => {
  test("prefix", () => {
    expect(matches({ userId: [{ prefix: "u-" }] })).toBe(true);
    expect(matches({ userId: [{ prefix: "g-" }] })).toBe(false);
    expect(matches({ age: [{ prefix: "3" }] })).toBe(false);
    expect(matches({ groups: [{ prefix: "bill" }] })).toBe(true);
    expect(matches({ email: [{ prefix: { "equals-ignore-case": "ADA@" } }] })).toBe(true);
  });

  test("suffix", () => {
    expect(matches({ email: [{ suffix: "@Example.com" }] })).toBe(true);
    expect(matches({ email: [{ suffix: "@example.com" }] })).toBe(false);
    expect(matches({ email: [{ suffix: { "equals-ignore-case": "@EXAMPLE.COM" } }] })).toBe(true);
  });

  test("equals-ignore-case", () => {
    expect(matches({ email: [{ "equals-ignore-case": "ada@example.COM" }] })).toBe(true);
    expect(matches({ email: [{ "equals-ignore-case": "bob@example.com" }] })).toBe(false);
    expect(matches({ groups: [{ "equals-ignore-case": "ADMINS" }] })).toBe(true);
  });

  test("anything-but with one value or a list", () => {
    expect(matches({ userId: [{ "anything-but": "u-2" }] })).toBe(true);
    expect(matches({ userId: [{ "anything-but": "u-1" }] })).toBe(false);
    expect(matches({ userId: [{ "anything-but": ["u-1", "u-2"] }] })).toBe(false);
    expect(matches({ age: [{ "anything-but": [1, 2] }] })).toBe(true);
    expect(matches({ age: [{ "anything-but": 36 }] })).toBe(false);
  });

  test("anything-but needs the field and checks each array element", () => {
    expect(matches({ missing: [{ "anything-but": "x" }] })).toBe(false);
    expect(matches({ groups: [{ "anything-but": "admins" }] })).toBe(true); // "billing" is not excluded
    expect(matches({ groups: [{ "anything-but": ["admins", "billing"] }] })).toBe(false);
  });

  test("exists", () => {
    expect(matches({ userId: [{ exists: true }] })).toBe(true);
    expect(matches({ nickname: [{ exists: true }] })).toBe(true);
    expect(matches({ missing: [{ exists: true }] })).toBe(false);
    expect(matches({ missing: [{ exists: false }] })).toBe(true);
    expect(matches({ userId: [{ exists: false }] })).toBe(false);
    // Only leaves exist: an object value counts as absent.
    expect(matches({ address: [{ exists: true }] })).toBe(false);
    expect(matches({ address: [{ exists: false }] })).toBe(true);
  });

  test("numeric comparisons", () => {
    expect(matches({ age: [{ numeric: ["=", 36] }] })).toBe(true);
    expect(matches({ age: [{ numeric: [">", 36] }] })).toBe(false);
    expect(matches({ age: [{ numeric: [">=", 36] }] })).toBe(true);
    expect(matches({ age: [{ numeric: ["<", 36] }] })).toBe(false);
    expect(matches({ age: [{ numeric: ["<=", 36] }] })).toBe(true);
    expect(matches({ score: [{ numeric: [">", 7, "<", 8] }] })).toBe(true);
    expect(matches({ score: [{ numeric: [">", 7.5, "<=", 8] }] })).toBe(false);
    expect(matches({ score: [{ numeric: [">=", 7.5, "<=", 8] }] })).toBe(true);
    expect(matches({ counts: [{ numeric: [">", 100] }] })).toBe(true);
    expect(matches({ counts: [{ numeric: [">", 1000] }] })).toBe(false);
  });

  test("numeric never matches strings", () => {
    expect(matches({ userId: [{ numeric: [">", 0] }] })).toBe(false);
  });

  test("the values of one field are alternatives", () => {
    expect(matches({ userId: ["u-9", { prefix: "u-" }] })).toBe(true);
    expect(matches({ missing: ["x", { exists: false }] })).toBe(true);
  });
});

describe("invalid and unsupported patterns throw", () => {
  test.each([
    ["not an object", "source"],
    ["null", null],
    ["an array", [{ source: ["x"] }]],
    ["an empty pattern", {}],
    ["a bare value", { source: "platform.users" }],
    ["an empty array", { source: [] }],
    ["an empty nested object", { detail: {} }],
    ["a nested array", { source: [["x"]] }],
    ["an operator with two keys", { source: [{ prefix: "a", suffix: "b" }] }],
    ["an operator with no key", { source: [{}] }],
    ["a non-string prefix", { source: [{ prefix: 1 }] }],
    ["a non-boolean exists", { source: [{ exists: "yes" }] }],
    ["an empty anything-but list", { source: [{ "anything-but": [] }] }],
    ["a mixed anything-but list", { source: [{ "anything-but": ["a", 1] }] }],
    ["anything-but null", { source: [{ "anything-but": null }] }],
    ["numeric without an array", { age: [{ numeric: 3 }] }],
    ["numeric with an unknown operator", { age: [{ numeric: ["!=", 3] }] }],
    ["numeric with a string operand", { age: [{ numeric: [">", "3"] }] }],
    ["numeric with an empty range", { age: [{ numeric: [">", 5, "<", 5] }] }],
    ["numeric with an upper bound first", { age: [{ numeric: ["<", 5, ">", 1] }] }],
    ["numeric with too many terms", { age: [{ numeric: [">", 1, "<", 5, "<", 6] }] }],
    ["numeric out of range", { age: [{ numeric: [">", 6e9] }] }],
    ["numeric with more than 6 decimals", { age: [{ numeric: [">", 1.1234567] }] }],
  ])("%s", (_name, pattern) => {
    expect(() => validateEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => matchesEventPattern(pattern, event)).toThrow(EventPatternError);
  });

  test.each([
    ["wildcard", { source: [{ wildcard: "platform.*" }] }],
    ["cidr", { detail: { ip: [{ cidr: "10.0.0.0/8" }] } }],
    ["$or", { $or: [{ source: ["a"] }, { source: ["b"] }] }],
    ["anything-but prefix", { source: [{ "anything-but": { prefix: "aws." } }] }],
    ["an unknown operator", { source: [{ "starts-with": "platform" }] }],
  ])("unsupported: %s", (_name, pattern) => {
    expect(() => validateEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => matchesEventPattern(pattern, event)).toThrow(/not supported|Unrecognized/);
  });

  test("an invalid branch throws even when an earlier field already fails to match", () => {
    expect(() => matchesEventPattern({ source: ["nope"], detail: { x: [{ wildcard: "*" }] } }, event)).toThrow(
      EventPatternError,
    );
  });
});

describe("the platform's event rules", () => {
  test("every rule pattern is valid", () => {
    for (const rule of eventRules) expect(() => validateEventPattern(rule.pattern)).not.toThrow();
  });

  test("each rule matches its own events only", () => {
    const userUpserted = { ...event, source: "platform.users", "detail-type": "User Upserted" };
    const settingsChanged = { ...event, source: "platform.organizations", "detail-type": "Organization Settings Changed" };
    const matching = (e: Record<string, unknown>) =>
      eventRules.filter((rule) => matchesEventPattern(rule.pattern, e)).map((rule) => rule.operation);
    expect(matching(userUpserted)).toEqual(["on-user-upserted"]);
    expect(matching(settingsChanged)).toEqual(["on-organization-settings-changed"]);
    expect(matching({ ...event, source: "platform.users", "detail-type": "User Deleted" })).toEqual([]);
  });
});
