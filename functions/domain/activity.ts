import { randomUUID } from "node:crypto";
import {
  SYSTEM_ACTOR,
  isActive,
  needsExpiryRecord,
  needsGraceEndRecord,
  type ActivityAction,
  type ActivityRecord,
  type Actor,
  type MembershipRecord,
  type Page,
  type TokenEvent,
  type TokenRecord,
  type TokenSet,
} from "./model.ts";
import type { Clock, TokenRepository, TokenStore } from "./ports.ts";
import { WriteConflict } from "./errors.ts";
import { tokenEvents, type RevocationReason } from "./token-events.ts";

/**
 * An activity record stamped by the service's own clock. Never given a secret, a hash or a password. `events`
 * makes the token events the change publishes, stamped with the record's time (the record is their outbox).
 */
export function activity(
  clock: Clock,
  orgId: string,
  action: ActivityAction,
  actor: Actor,
  extra: { tokenId?: string; detail?: Record<string, unknown>; events?: (at: string) => TokenEvent[] } = {},
): ActivityRecord {
  const at = clock.now().toISOString();
  const { events, ...rest } = extra;
  return { orgId, id: randomUUID(), at, action, actor, ...rest, ...(events ? { events: events(at) } : {}) };
}

/** A `token.revoked` record and its `Token Revoked` event; `detail.reason` is the activity log's own (system causes only). */
export const revokedRecord = (
  clock: Clock,
  token: TokenRecord,
  actor: Actor,
  reason: RevocationReason,
  detail: Record<string, unknown> = tokenDetail(token),
): ActivityRecord =>
  activity(clock, token.orgId, "token.revoked", actor, {
    tokenId: token.id,
    detail,
    events: (at) => [tokenEvents.revoked(token, at, reason)],
  });

/** A person acting, with their display name at the time. */
export const personActor = (membership: MembershipRecord): Actor => ({
  type: "user",
  id: membership.userId,
  name: membership.name,
});

/** What a token record says about itself in the log: never its hash. */
export const tokenDetail = (token: TokenRecord): Record<string, unknown> => ({
  kind: token.kind,
  name: token.name,
  ownerId: token.ownerId,
});

/**
 * The changes recorded late, by whoever finds them first (a request, the hourly job, the TTL deletion): a
 * token's `token.expired` (API.md "Activity") and the `token.revoked` of a replaced token whose grace is over
 * (API.md "Rotation"). Once per token: each record is written with a conditional mark on the token, so racing
 * finders write it once.
 */
export async function recordLateChanges(
  deps: { store: Pick<TokenRepository, "recordExpiry" | "recordGraceEnd">; clock: Clock },
  tokens: readonly TokenRecord[],
): Promise<void> {
  const now = deps.clock.now();
  await Promise.all([
    ...tokens
      .filter((token) => needsExpiryRecord(token, now))
      .map((token) => lateRecord(deps.store.recordExpiry(token, now, expiryRecord(deps.clock, token)))),
    // API.md "Rotation": a replaced token's revocation is recorded when its grace ends, by the first request that finds it so.
    ...tokens
      .filter((token) => needsGraceEndRecord(token, now))
      .map((token) => lateRecord(deps.store.recordGraceEnd(token, now, rotatedRecord(deps.clock, token)))),
  ]);
}

/**
 * A late record that lost a race to another event of its token (an expiry warning written meanwhile) is left to
 * the next finder, as one that lost to another finder is: the request that found it goes on.
 */
const lateRecord = (write: Promise<boolean>): Promise<boolean> =>
  write.catch((error: unknown) => {
    if (error instanceof WriteConflict) return false;
    throw error;
  });

/** The `token.revoked` of a token replaced by a rotation, once its grace is over: the system's, reason `rotated`. */
export const rotatedRecord = (clock: Clock, token: TokenRecord, step = 1): ActivityRecord =>
  activity(clock, token.orgId, "token.revoked", SYSTEM_ACTOR, {
    tokenId: token.id,
    detail: { ...tokenDetail(token), reason: "rotated", ...(token.replacedBy ? { replacedBy: token.replacedBy } : {}) },
    events: (at) => [tokenEvents.revoked(token, at, "rotated", step)],
  });

/**
 * A token TTL deleted before any request found it expired gets its `token.expired` here, once (stream
 * deliveries repeat). A revoked token, or one whose expiry was recorded before, is left alone: false.
 */
export async function recordExpiryOfDeletedToken(deps: { store: TokenStore; clock: Clock }, token: TokenRecord): Promise<boolean> {
  if (token.status !== "active" || token.expiryRecorded) return false;
  // A replaced token's grace always ends before its expiry: what ended it was the rotation.
  const record = token.graceEndsAt ? rotatedRecord(deps.clock, token) : expiryRecord(deps.clock, token);
  return deps.store.recordExpiryOfDeletedToken(token, record);
}

/** The `token.expired` record every expiry path writes: the system's, for inactivity. */
const expiryRecord = (clock: Clock, token: TokenRecord): ActivityRecord =>
  activity(clock, token.orgId, "token.expired", SYSTEM_ACTOR, {
    tokenId: token.id,
    detail: { ...tokenDetail(token), reason: "inactivity" },
    events: (at) => [tokenEvents.expired(token, at)],
  });

/**
 * The tokens among `tokenIds` that still count at `now` (unrevoked, unexpired, and `belongs`), reading them
 * strongly consistently. Expired ones found on the way get their `token.expired` record, unless the caller
 * must write nothing (a dry run).
 */
export async function activeTokensAmong(
  deps: { store: TokenStore; clock: Clock },
  tokenIds: readonly string[],
  options: { now: Date; belongs?: (token: TokenRecord) => boolean; recordExpired?: boolean },
): Promise<TokenRecord[]> {
  const tokens = (await deps.store.getTokens(tokenIds)).filter(options.belongs ?? (() => true));
  if (options.recordExpired ?? true) await recordLateChanges(deps, tokens);
  return tokens.filter((token) => isActive(token, options.now));
}

/** One person's own user tokens in one organization (a set holds nothing else; this says so once more). */
export const userTokensOf = (person: { orgId: string; userId: string }) => (token: TokenRecord) =>
  token.orgId === person.orgId && token.kind === "user" && token.ownerId === person.userId;

/** The person's user tokens that still count, from their token set (expired ones found get their record). */
export async function liveUserTokens(
  deps: { store: TokenStore; clock: Clock },
  person: { orgId: string; userId: string },
  options: { now: Date; recordExpired?: boolean },
): Promise<{ tokenSet: TokenSet; live: TokenRecord[] }> {
  const tokenSet = await deps.store.getTokenSet(person.orgId, person.userId);
  const live = await activeTokensAmong(deps, Object.keys(tokenSet.tokens), { ...options, belongs: userTokensOf(person) });
  return { tokenSet, live };
}

export interface ActivityView {
  at: string;
  action: ActivityRecord["action"];
  actor: ActivityRecord["actor"];
  tokenId?: string;
  detail?: Readonly<Record<string, unknown>>;
}

/** `GET /v1/orgs/{orgId}/activity`: newest first, a page at a time. */
export async function listActivity(
  store: TokenStore,
  orgId: string,
  limit: number,
  cursor: string | undefined,
): Promise<{ events: ActivityView[]; nextCursor: string | null }> {
  const page: Page<ActivityRecord> = await store.listActivity(orgId, limit, cursor);
  return {
    events: page.items.map(({ at, action, actor, tokenId, detail }) => ({
      at,
      action,
      actor: { type: actor.type, id: actor.id, name: actor.name },
      ...(tokenId ? { tokenId } : {}),
      ...(detail ? { detail } : {}),
    })),
    nextCursor: page.nextCursor,
  };
}
