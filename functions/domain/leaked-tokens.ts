import { timingSafeEqual } from "node:crypto";
import { recordLateChanges, revokedRecord, tokenDetail } from "./activity.ts";
import { SYSTEM_ACTOR, isActive, type TokenKind } from "./model.ts";
import type { Clock, TokenRepository } from "./ports.ts";
import { retryOnConflict } from "./retry.ts";
import { MAX_TOKEN_LENGTH, hashSecret, parseTokenSecret } from "./token-secret.ts";

/** API.md: `POST /v1/revoke-leaked` takes 1–100 strings. */
export const MAX_LEAKED_TOKENS_PER_REPORT = 100;

/**
 * One reported string that has the token format (prefix, base62 body, checksum), as the queue carries it: the
 * token's id and the SHA-256 of the secret, never the secret itself, so no queue, dead-letter queue or log ever
 * holds a working token. Strings without the format are dropped when the report is taken (the format is
 * public, so that says nothing a reporter could not compute).
 */
export interface LeakedToken {
  readonly tokenId: string;
  readonly kind: TokenKind;
  readonly secretHash: string;
}

/**
 * Where a report goes after the 202 (a port): an SQS queue and its worker in AWS, the same worker run in-process
 * right after the answer locally. `submit` must not look anything up: it returns as soon as the report is queued.
 */
export interface LeakReportSink {
  submit(tokens: readonly LeakedToken[]): Promise<void>;
}

/** The strings worth looking up, each once: no database read, so no timing that depends on the tokens. */
export function toLeakedTokens(candidates: readonly string[]): LeakedToken[] {
  const found = new Map<string, LeakedToken>();
  for (const candidate of candidates) {
    const parsed = candidate.length <= MAX_TOKEN_LENGTH ? parseTokenSecret(candidate) : undefined;
    if (!parsed) continue;
    const secretHash = hashSecret(parsed.secret);
    found.set(secretHash, { tokenId: parsed.id, kind: parsed.kind, secretHash });
  }
  return [...found.values()];
}

/**
 * The worker: revokes each reported token that is live (actor System, `detail.reason: "leaked"`). Idempotent:
 * an unknown, revoked or expired token (or a hash that is not the token's) changes nothing, so a redelivered
 * report is harmless; an expired one found on the way gets its `token.expired`, once, as everywhere.
 * Returns how many tokens this run revoked.
 */
export async function revokeLeakedTokens(
  deps: { store: Pick<TokenRepository, "getToken" | "revokeToken" | "recordExpiry" | "recordGraceEnd">; clock: Clock },
  tokens: readonly LeakedToken[],
): Promise<number> {
  let revoked = 0;
  for (const reported of tokens) {
    if (await revokeOne(deps, reported)) revoked++;
  }
  return revoked;
}

async function revokeOne(
  deps: { store: Pick<TokenRepository, "getToken" | "revokeToken" | "recordExpiry" | "recordGraceEnd">; clock: Clock },
  reported: LeakedToken,
): Promise<boolean> {
  return retryOnConflict(async () => {
    const token = await deps.store.getToken(reported.tokenId);
    if (!token || token.kind !== reported.kind || !hashesMatch(reported.secretHash, token.secretHash)) return false;
    const now = deps.clock.now();
    if (!isActive(token, now)) {
      await recordLateChanges(deps, [token]);
      return false;
    }
    const record = revokedRecord(deps.clock, token, SYSTEM_ACTOR, "leaked", { ...tokenDetail(token), reason: "leaked" });
    // False: revoked or expired since the read (by someone else, or an earlier delivery of this report).
    return deps.store.revokeToken(token, now.toISOString(), now, record);
  });
}

function hashesMatch(reported: string, stored: string): boolean {
  const a = Buffer.from(reported, "hex");
  const b = Buffer.from(stored, "hex");
  return a.length === 32 && a.length === b.length && timingSafeEqual(a, b);
}
