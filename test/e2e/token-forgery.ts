/**
 * Builds token strings for the verification tests from API.md's "Token format": a kind prefix, base62
 * characters, and a CRC32 checksum in the last 6 base62 characters. The checksum is computed here
 * independently; `parseTokenSecret` (the service's own parser) is only used to confirm a string is well-formed.
 */
import { crc32 } from "node:zlib";
import { parseTokenSecret } from "../../functions/domain/token-secret.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_LENGTH = 6;

/** CRC32 of `unsigned`, as 6 base62 digits, most significant first. */
export function checksum(unsigned: string): string {
  let value = crc32(Buffer.from(unsigned, "utf8"));
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** The same string with a valid checksum for everything before its last 6 characters. */
export function withValidChecksum(token: string): string {
  const unsigned = token.slice(0, -CHECKSUM_LENGTH);
  return unsigned + checksum(unsigned);
}

/** Another base62 character at `index` (never the same one). */
export function changeCharAt(token: string, index: number): string {
  const current = token[index]!;
  const replacement = BASE62[(BASE62.indexOf(current) + 1) % 62]!;
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

export const isWellFormed = (token: string) => parseTokenSecret(token) !== undefined;
