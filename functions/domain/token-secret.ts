import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";
import type { TokenKind } from "./model.ts";

/**
 * Token format: `<prefix><id:16><secret:22><checksum:6>`, all base62 after the prefix.
 * - The prefix names the kind, so people and secret scanners can recognise a leaked token.
 * - The id (≈95 bits) is the token's public id and its database key, so verification is one key read.
 * - The secret part is 22 random base62 characters (≈131 bits).
 * - The checksum is CRC32 of everything before it, so a mistyped or truncated token is rejected
 *   without touching the database.
 */
export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = {
  user: "atk_user_",
  service_user: "atk_svc_",
};

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 16;
const SECRET_LENGTH = 22;
const CHECKSUM_LENGTH = 6;
const BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
const BASE62_BODY = new RegExp(`^[0-9A-Za-z]{${BODY_LENGTH}}$`);
export const TOKEN_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${ID_LENGTH}}$`);
/** Longest well-formed token: lets callers reject absurd inputs before hashing them. */
export const MAX_TOKEN_LENGTH = Math.max(...Object.values(TOKEN_PREFIXES).map((p) => p.length)) + BODY_LENGTH;

/** Uniform base62 characters: bytes ≥ 248 are dropped so that `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function checksum(text: string): string {
  let value = crc32(Buffer.from(text, "utf8"));
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export interface NewTokenSecret {
  readonly id: string;
  /** The full token: shown to its owner once, then only its hash and hint are kept. */
  readonly secret: string;
  readonly secretHash: string;
  readonly hint: string;
}

export function newTokenSecret(kind: TokenKind): NewTokenSecret {
  const id = randomBase62(ID_LENGTH);
  const unsigned = TOKEN_PREFIXES[kind] + id + randomBase62(SECRET_LENGTH);
  const secret = unsigned + checksum(unsigned);
  return { id, secret, secretHash: hashSecret(secret), hint: secret.slice(-4) };
}

export type ParsedToken = { readonly kind: TokenKind; readonly id: string; readonly secret: string };

/** Shape and checksum only; says nothing about whether the token exists. */
export function parseTokenSecret(candidate: string): ParsedToken | undefined {
  for (const kind of Object.keys(TOKEN_PREFIXES) as TokenKind[]) {
    const prefix = TOKEN_PREFIXES[kind];
    if (!candidate.startsWith(prefix)) continue;
    const body = candidate.slice(prefix.length);
    if (!BASE62_BODY.test(body)) return undefined;
    const unsigned = candidate.slice(0, -CHECKSUM_LENGTH);
    if (checksum(unsigned) !== candidate.slice(-CHECKSUM_LENGTH)) return undefined;
    return { kind, id: body.slice(0, ID_LENGTH), secret: candidate };
  }
  return undefined;
}

/** SHA-256 is right for ≥128-bit random secrets: there is nothing to brute-force, so no slow hash. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}
