import { describe, expect, test } from "vitest";
import {
  MAX_TOKEN_LENGTH,
  TOKEN_PREFIXES,
  hashSecret,
  newTokenSecret,
  parseTokenSecret,
  secretMatchesHash,
} from "../../functions/domain/token-secret.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("token secrets", () => {
  test("carry a kind prefix, base62 body, and parse back to their kind and id", () => {
    for (const kind of ["user", "service_user"] as const) {
      const made = newTokenSecret(kind);
      expect(made.secret.startsWith(TOKEN_PREFIXES[kind])).toBe(true);
      expect(made.secret.slice(TOKEN_PREFIXES[kind].length)).toMatch(/^[0-9A-Za-z]{44}$/);
      expect(parseTokenSecret(made.secret)).toEqual({ kind, id: made.id, secret: made.secret });
      expect(made.secret.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    }
  });

  test("prefixes are lowercase letters and _, and neither is a prefix of the other", () => {
    const [user, service] = [TOKEN_PREFIXES.user, TOKEN_PREFIXES.service_user];
    for (const prefix of [user, service]) expect(prefix).toMatch(/^[a-z_]+$/);
    expect(user.startsWith(service) || service.startsWith(user)).toBe(false);
  });

  test("the random part holds at least 128 bits (22 uniform base62 characters)", () => {
    expect(22 * Math.log2(62)).toBeGreaterThanOrEqual(128);
    // Every character of the alphabet shows up across many tokens: no narrowed alphabet.
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newTokenSecret("user").secret.slice(25, 47)) seen.add(c);
    expect(seen.size).toBe(62);
  });

  test("every single-character change, truncation or extension is malformed", () => {
    const { secret } = newTokenSecret("user");
    const prefixLength = TOKEN_PREFIXES.user.length;
    for (let i = prefixLength; i < secret.length; i++) {
      const other = BASE62[(BASE62.indexOf(secret[i]!) + 1) % 62];
      expect(parseTokenSecret(secret.slice(0, i) + other + secret.slice(i + 1)), `position ${i}`).toBeUndefined();
    }
    expect(parseTokenSecret(secret.slice(0, -1))).toBeUndefined();
    expect(parseTokenSecret(`${secret}0`)).toBeUndefined();
    expect(parseTokenSecret(secret.replace(TOKEN_PREFIXES.user, TOKEN_PREFIXES.service_user))).toBeUndefined();
    expect(parseTokenSecret("")).toBeUndefined();
    expect(parseTokenSecret(`Bearer ${secret}`)).toBeUndefined();
  });

  test("the hint is the last 4 characters and the hash is SHA-256 hex of the whole token", () => {
    const made = newTokenSecret("service_user");
    expect(made.hint).toBe(made.secret.slice(-4));
    expect(made.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(made.secretHash).toBe(hashSecret(made.secret));
    expect(made.secretHash).not.toContain(made.secret);
  });

  test("hash comparison accepts only the exact secret", () => {
    const made = newTokenSecret("user");
    expect(secretMatchesHash(made.secret, made.secretHash)).toBe(true);
    expect(secretMatchesHash(newTokenSecret("user").secret, made.secretHash)).toBe(false);
    expect(secretMatchesHash(made.secret, "not-hex")).toBe(false);
  });

  test("ids are unique across many tokens", () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newTokenSecret("user").id));
    expect(ids.size).toBe(2000);
  });
});
