import { describe, expect, test } from "vitest";
import { crc32 } from "node:zlib";
import {
  CHECKSUM_LENGTH,
  HINT_LENGTH,
  MAX_TOKEN_LENGTH,
  SECRET_LENGTH,
  TOKEN_PREFIXES,
  hashSecret,
  newTokenSecret,
  parseTokenSecret,
  secretMatchesHash,
} from "../../functions/domain/token-secret.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomChars = (n: number) => Array.from({ length: n }, () => BASE62[Math.floor(Math.random() * 62)]).join("");
/** CRC32 as 6 base62 digits, computed here independently of the service's code (API.md "Token format"). */
function base62Checksum(text: string): string {
  let value = crc32(Buffer.from(text, "utf8"));
  let out = "";
  for (let i = 0; i < 6; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

describe("token secrets", () => {
  test("carry a kind prefix, base62 body, and parse back to their kind and id", () => {
    for (const kind of ["user", "service_user"] as const) {
      const made = newTokenSecret(kind);
      expect(made.secret.startsWith(TOKEN_PREFIXES[kind])).toBe(true);
      expect(made.secret.slice(TOKEN_PREFIXES[kind].length)).toMatch(/^[0-9A-Za-z]{48}$/);
      expect(parseTokenSecret(made.secret)).toEqual({ kind, id: made.id, secret: made.secret });
      expect(made.secret.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    }
  });

  test("prefixes are lowercase letters and _, and neither is a prefix of the other", () => {
    const [user, service] = [TOKEN_PREFIXES.user, TOKEN_PREFIXES.service_user];
    for (const prefix of [user, service]) expect(prefix).toMatch(/^[a-z_]+$/);
    expect(user.startsWith(service) || service.startsWith(user)).toBe(false);
  });

  test("knowing the id and the hint, at least 128 bits of the secret stay unknown (API.md)", () => {
    const bitsPerChar = Math.log2(62);
    // The hint is cut from the checksum alone, and the checksum is a function of the random part: the most
    // the hint can tell about the random part is its own size, 62^4 values (never more than CRC32's 32 bits).
    expect(HINT_LENGTH).toBeLessThanOrEqual(CHECKSUM_LENGTH);
    const hintBits = Math.min(HINT_LENGTH * bitsPerChar, 32);
    expect(SECRET_LENGTH * bitsPerChar - hintBits).toBeGreaterThanOrEqual(128); // 26 × 5.954 − 23.8 ≈ 131.0
    expect(22 * bitsPerChar - hintBits).toBeLessThan(128); // the former length: ≈ 107.2
  });

  test("the random part is SECRET_LENGTH uniform base62 characters between the id and the checksum", () => {
    const start = TOKEN_PREFIXES.user.length + 16;
    const made = newTokenSecret("user");
    expect(made.secret.length - CHECKSUM_LENGTH - start).toBe(SECRET_LENGTH);
    // Every character of the alphabet shows up across many tokens: no narrowed alphabet.
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of newTokenSecret("user").secret.slice(start, start + SECRET_LENGTH)) seen.add(c);
    expect(seen.size).toBe(62);
  });

  test("tokens of the former length (22 random characters) still parse, and verify against their hash", () => {
    for (const [kind, prefix] of Object.entries(TOKEN_PREFIXES)) {
      const unsigned = prefix + randomChars(16 + 22);
      const legacy = unsigned + base62Checksum(unsigned);
      expect(legacy.length - prefix.length).toBe(44);
      expect(parseTokenSecret(legacy)).toEqual({ kind, id: unsigned.slice(prefix.length, prefix.length + 16), secret: legacy });
      expect(legacy.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(secretMatchesHash(legacy, hashSecret(legacy))).toBe(true);
    }
    // Only those two lengths: a valid checksum on any other length is still malformed.
    for (const randomLength of [21, 23, 24, 25, 27]) {
      const unsigned = TOKEN_PREFIXES.user + randomChars(16 + randomLength);
      expect(parseTokenSecret(unsigned + base62Checksum(unsigned)), `${randomLength}`).toBeUndefined();
    }
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
