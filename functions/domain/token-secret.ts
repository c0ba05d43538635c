import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";
import type { TokenKind } from "./model.ts";

/**
 * Token format: `<prefix><id:16><secret:26><checksum:6>`, all base62 after the prefix.
 * - The prefix names the kind, so people and secret scanners can recognise a leaked token.
 * - The id (≈95 bits) is the token's public id and its database key, so verification is one key read.
 * - The secret part is 26 random base62 characters (≈154.8 bits).
 * - The checksum is CRC32 of everything before it, so a mistyped or truncated token is rejected
 *   without touching the database.
 *
 * The public hint is the last 4 characters, all cut from the checksum, which depends on the random part: the
 * hint's 62^4 values reveal at most 4 × log2(62) ≈ 23.8 bits about it. API.md wants at least 128 bits unknown
 * to someone who knows the id and the hint: 26 × 5.954 − 23.8 ≈ 131.0 bits. (The former 22 characters left
 * 131.0 − 23.8 ≈ 107.2; 25 would leave 125.0.) Tokens of the former length still parse and verify.
 */
export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = {
  user: "atk_user_",
  service_user: "atk_svc_",
};

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LENGTH = 16;
export const SECRET_LENGTH = 26;
/** Tokens issued before the secret part grew from 22 characters: they keep working until they expire. */
const LEGACY_SECRET_LENGTH = 22;
export const CHECKSUM_LENGTH = 6;
/** How many characters of the token the public hint shows (all of them from the checksum). */
export const HINT_LENGTH = 4;
const BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
const LEGACY_BODY_LENGTH = ID_LENGTH + LEGACY_SECRET_LENGTH + CHECKSUM_LENGTH;
const BASE62_BODY = new RegExp(`^(?:[0-9A-Za-z]{${BODY_LENGTH}}|[0-9A-Za-z]{${LEGACY_BODY_LENGTH}})$`);
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
  return { id, secret, secretHash: hashSecret(secret), hint: secret.slice(-HINT_LENGTH) };
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
