/**
 * List cursors without I/O (API.md "Conventions": a cursor works only for the list and organization it came
 * from, reveals nothing of the storage, and anything else is 400 `invalid_request`): sealing and opening, and
 * the deployment's key. (The lists themselves, against DynamoDB Local: test/integration/list-cursors.test.ts.)
 */
import { describe, expect, test } from "vitest";
import { cursorKey, openCursor, sealCursor } from "../../functions/adapters/dynamodb/cursors.ts";
import { InvalidCursor } from "../../functions/domain/errors.ts";

const KEY = cursorKey("a-test-cursor-secret-of-32-chars-at-least");
const OTHER_KEY = cursorKey("another-cursor-secret-of-32-chars-at-least");
const POSITION = ["2026-03-01T12:00:00.000Z", "tok0000000000001"];
const seal = (position: readonly string[] = POSITION, list = "admin-tokens", orgId = "acme", key = KEY) =>
  sealCursor(key, list, orgId, position);
const open = (cursor: string, list = "admin-tokens", orgId = "acme", key = KEY, length = 2) => openCursor(key, cursor, list, orgId, length);

describe("a sealed cursor", () => {
  test("opens to its position for its list and organization, and the same page always gets the same cursor", () => {
    expect(open(seal())).toEqual(POSITION);
    expect(seal()).toBe(seal());
  });

  test("names no organization, list, table, key or attribute", () => {
    const cursor = seal();
    const readings = [cursor, ...cursor.split(".").map((part) => Buffer.from(part, "base64url").toString("utf8"))];
    for (const reading of readings) {
      for (const word of ["acme", "admin-tokens", "ORG#", "TOKEN#", "pk", "sk", "gsi"]) expect(reading).not.toContain(word);
    }
  });
});

describe("anything else is InvalidCursor (400)", () => {
  test("another list, another organization, another deployment's key", () => {
    expect(() => open(seal(), "service-users")).toThrow(InvalidCursor);
    expect(() => open(seal(), "admin-tokens", "other-org")).toThrow(InvalidCursor);
    expect(() => open(seal(), "admin-tokens", "acme", OTHER_KEY)).toThrow(InvalidCursor);
  });

  test("a changed payload or tag, a missing part, garbage, or far too long", () => {
    const cursor = seal();
    const [payload, tag] = cursor.split(".") as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify(["2030-01-01T00:00:00.000Z", "tok0000000000001"])).toString("base64url");
    const flip = (text: string, i: number) => text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);
    for (const bad of [
      `${forgedPayload}.${tag}`,
      `${payload}.${flip(tag, 0)}`,
      `${flip(payload, 3)}.${tag}`,
      `${payload}.${tag}A`,
      payload,
      `${payload}.`,
      `.${tag}`,
      "",
      "garbage!!",
      `${payload}.${tag}.${tag}`,
      `${"A".repeat(2000)}.${tag}`,
    ]) {
      expect(() => open(bad), JSON.stringify(bad.slice(0, 40))).toThrow(InvalidCursor);
    }
  });

  test("a position of another length, or with a value that could reach into a key (#, /, white space, empty)", () => {
    expect(() => open(seal(), "admin-tokens", "acme", KEY, 3)).toThrow(InvalidCursor);
    for (const value of ["ORG#acme", "a/b", "a b", "", "x".repeat(129)]) {
      expect(() => open(seal([POSITION[0]!, value])), JSON.stringify(value)).toThrow(InvalidCursor);
    }
  });
});

test("the deployment's key must be at least 32 characters, and the error names the setting, never the value", () => {
  for (const secret of [undefined, "", "x".repeat(31)]) {
    expect(() => cursorKey(secret)).toThrow(/CURSOR_KEY/);
  }
  expect(() => cursorKey("short-secret-value")).not.toThrow(/short-secret-value/);
  expect(cursorKey("x".repeat(32))).toHaveLength(32);
});
