/** The records the domain works with. Times are ISO-8601 strings except `expiresAt` (epoch seconds, the TTL). */

export type TokenKind = "user" | "service_user";

/** Whose access a token carries, copied onto the token item so verification is a single read. */
export interface PrincipalAccess {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly groups: readonly string[];
  readonly sites: readonly string[];
  /**
   * User tokens: the owner's membership status, rewritten with the membership. Defence in depth: a user
   * token whose owner is not an active member never verifies, even if a revocation went astray.
   */
  readonly memberStatus?: MembershipStatus;
}

export interface TokenRecord {
  readonly id: string;
  readonly orgId: string;
  readonly kind: TokenKind;
  readonly ownerId: string;
  readonly name: string;
  readonly secretHash: string;
  readonly hint: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** Epoch seconds; also DynamoDB's TTL attribute. Every read compares it with the clock itself. */
  readonly expiresAt: number;
  readonly status: "active" | "revoked";
  readonly revokedAt?: string;
  /** Set once its `token.expired` activity is written, so that happens once per token. */
  readonly expiryRecorded?: boolean;
  readonly principal: PrincipalAccess;
  /**
   * Rotation: this token was replaced by `replacedBy` and keeps working until `graceEndsAt` (never past its own
   * expiry); from then on it verifies as revoked. While in its grace it does not count toward the limit and
   * cannot be rotated again. Its `token.revoked` (reason `rotated`) is recorded by the first request that
   * finds the grace over (`revokedAt` = `graceEndsAt`).
   */
  readonly graceEndsAt?: string;
  readonly replacedBy?: string;
  /** Rotation: the token this one replaced (whose grace ends at once if this one is rotated in turn). */
  readonly replaces?: string;
  /**
   * The `sequence` of the token's last published event (API.md "Token events out"): 1 once created; 0 for a
   * token made before events were published. Every write that publishes an event of the token moves it on, on
   * condition that it is still the value read, so no two events of a token share a number.
   */
  readonly eventSequence: number;
  /** The idle stretch (`lastUsedAt`, or `createdAt` before any use) its `Token Expiring Soon` was published for. */
  readonly warnedFor?: string;
}

/**
 * `unknown`: known only from an event that overtook the person's first `User Upserted` and says nothing of
 * membership (a reactivation): not a member; an upsert admits, a deactivation deactivates.
 */
export type MembershipStatus = "active" | "deactivated" | "removed" | "unknown";

/**
 * A person's membership of one organization, projected from the platform's user events: status, name and
 * access, and the time of the last event applied. It holds no token ids: a person's tokens are indexed by
 * their `TokenSet`, which only token writes change, so no order of lifecycle events can lose a live token.
 * Access changes and generates serialize on its `version` (a generate checks it; a save rewrites the access
 * copy on every live token in the same transaction).
 */
export interface MembershipRecord extends PrincipalAccess {
  readonly orgId: string;
  readonly userId: string;
  readonly status: MembershipStatus;
  /** `occurredAt` of the last event applied; older events are ignored. */
  readonly lastEventAt: string;
  /**
   * `occurredAt` of the applied `User Upserted` that set `name`; undefined until one has (a membership first
   * known from a status event carries a placeholder name). Every event moves `lastEventAt`, only an upsert this.
   * `GET /v1/me` names the person by the membership whose `nameAt` is newest.
   */
  readonly nameAt?: string;
  readonly version: number;
}

export interface OrganizationSettings {
  readonly orgId: string;
  readonly ssoEnforced: boolean;
  /**
   * The organization's display name, from the newest applied `Organization Settings Changed` that carried one;
   * undefined until one names it. An applied event without `name` keeps the stored one (API.md: `name` is optional).
   */
  readonly name?: string;
  readonly lastEventAt: string;
  /** Set by `Organization Deleted`: the organization left the platform; later events change nothing. */
  readonly deletedAt?: string;
  readonly version: number;
}

/** Recent wrong passwords of one person, across organizations, and the password checks under way. */
export interface PasswordFailures {
  readonly userId: string;
  readonly failedAt: readonly string[];
  readonly lockedUntil: string | null;
  /** Checks under way: attempt id → when it started. Each may still turn into a failure. */
  readonly pending: Readonly<Record<string, string>>;
  readonly version: number;
}

/** A system identity of one organization that an admin made; never a member, holds no seat. */
export interface ServiceUserRecord {
  readonly orgId: string;
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly version: number;
}

/**
 * The index of one owner scope's unrevoked tokens (token id → owner id): one person's user tokens in one
 * organization (`userId` set), or all service-user tokens of an organization (`userId` undefined).
 *
 * Only token writes change it, each in the same transaction as the token itself: a generate adds its token
 * (and drops ids it found no longer active: revoked, expired or deleted by TTL; such a token can never count
 * again), a revocation removes its token. Lifecycle events and access changes never write it; they only check
 * its `version`. So whatever the order of events, every live token is in its set. The limits are guarded by
 * the same `version`: a generate writes the set only if nobody changed it since it counted.
 */
export interface TokenSet {
  readonly orgId: string;
  /** The person whose user tokens these are; undefined for the organization's service-user tokens. */
  readonly userId?: string;
  readonly tokens: Readonly<Record<string, string>>;
  readonly version: number;
}

/** The ids in a set whose owner is `ownerId` (a service user's share of the organization's set). */
export const idsOwnedBy = (tokenSet: TokenSet, ownerId: string): string[] =>
  Object.entries(tokenSet.tokens)
    .filter(([, owner]) => owner === ownerId)
    .map(([id]) => id);

export type ActivityAction =
  | "token.created"
  | "token.revoked"
  | "token.expired"
  | "token.login"
  | "token.rotated"
  | "service_user.created"
  | "service_user.updated"
  | "service_user.deleted";

export interface Actor {
  readonly type: "user" | "service_user" | "system";
  readonly id: string;
  /** The display name at the time of the action. */
  readonly name: string;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: "system", name: "System" };

/** One line of the activity log: written in the same transaction as the change it records. */
export interface ActivityRecord {
  readonly orgId: string;
  readonly id: string;
  readonly at: string;
  readonly action: ActivityAction;
  readonly actor: Actor;
  readonly tokenId?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  /**
   * The token events this change publishes (API.md "Token events out"): the activity log is the outbox, so an
   * event is written in the same transaction as its change. Never listed as activity.
   */
  readonly events?: readonly TokenEvent[];
}

/** One event for the service's event bus, as stored in the outbox: never a secret or a hash. */
export interface TokenEvent {
  readonly detailType: "Token Created" | "Token Revoked" | "Token Rotated" | "Token Expired" | "Token Expiring Soon";
  readonly detail: Readonly<Record<string, unknown>> & { readonly eventId: string; readonly sequence: number; readonly orgId: string };
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export const DAY_SECONDS = 86_400;
export const INACTIVITY_EXPIRY_SECONDS = 30 * DAY_SECONDS;
/**
 * API.md "Token events out": `Token Expiring Soon` once a live token has gone this long without use, 7 days
 * before its inactivity expiry.
 */
export const EXPIRY_WARNING_AFTER_SECONDS = 23 * DAY_SECONDS;
/** When a token's current idle stretch reaches the warning (epoch ms): 7 days before its expiry. */
export const warningDueAt = (token: Pick<TokenRecord, "expiresAt">): number =>
  (token.expiresAt - INACTIVITY_EXPIRY_SECONDS + EXPIRY_WARNING_AFTER_SECONDS) * 1000;
/** The idle stretch a token is in: since its last recorded use, or since it was made. */
export const idleStretchOf = (token: Pick<TokenRecord, "lastUsedAt" | "createdAt">): string => token.lastUsedAt ?? token.createdAt;

/**
 * Due for its `Token Expiring Soon`: working, not replaced (a token in its grace is about to stop anyway),
 * 23 days idle, and not yet warned in this idle stretch.
 */
export const needsExpiryWarning = (token: TokenRecord, now: Date): boolean =>
  isActive(token, now) &&
  token.graceEndsAt === undefined &&
  warningDueAt(token) <= now.getTime() &&
  token.warnedFor !== idleStretchOf(token);

/** A verification rewrites `lastUsedAt` only when the recorded use is older than this (API.md allows 5 min). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
export const USER_TOKEN_LIMIT = 10;
/** API.md "Rotation": `graceSeconds` is 0..86400. */
export const MAX_GRACE_SECONDS = DAY_SECONDS;
export const SERVICE_USER_TOKEN_LIMIT = 20;

/** Rounded up so a token never expires before its full 30 days. */
export const expiryAfter = (lastUse: Date): number => Math.ceil(lastUse.getTime() / 1000) + INACTIVITY_EXPIRY_SECONDS;

export const isExpired = (token: Pick<TokenRecord, "expiresAt">, now: Date): boolean => token.expiresAt * 1000 <= now.getTime();

/** A rotated token whose grace has run out: it verifies as revoked from `graceEndsAt` on. */
export const isPastGrace = (token: Pick<TokenRecord, "graceEndsAt">, now: Date): boolean =>
  token.graceEndsAt !== undefined && Date.parse(token.graceEndsAt) <= now.getTime();

/** Working: unrevoked, unexpired, and not past a rotation's grace. */
export const isActive = (token: TokenRecord, now: Date): boolean =>
  token.status === "active" && !isExpired(token, now) && !isPastGrace(token, now);

/** Counts toward the limits: working and not in a rotation's grace (API.md "Rotation"). */
export const countsTowardLimit = (token: TokenRecord): boolean => token.graceEndsAt === undefined;

/** Past its grace but still recorded as active: the first request that finds it writes its revocation. */
export const needsGraceEndRecord = (token: TokenRecord, now: Date): boolean => token.status === "active" && isPastGrace(token, now);

/** Expired but not yet recorded as such: the first request that finds it writes its `token.expired`. */
export const needsExpiryRecord = (token: TokenRecord, now: Date): boolean =>
  token.status === "active" && isExpired(token, now) && !token.expiryRecorded && !isPastGrace(token, now);

/** The public view of a token (API.md `Token`): never the hash. */
export interface TokenView {
  id: string;
  name: string;
  kind: TokenKind;
  ownerId: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  hint: string;
  /** In a rotation's grace: when it stops working. */
  graceEndsAt?: string;
}

export const toTokenView = (token: TokenRecord): TokenView => ({
  id: token.id,
  name: token.name,
  kind: token.kind,
  ownerId: token.ownerId,
  createdAt: token.createdAt,
  lastUsedAt: token.lastUsedAt,
  expiresAt: new Date(token.expiresAt * 1000).toISOString(),
  hint: token.hint,
  ...(token.graceEndsAt ? { graceEndsAt: token.graceEndsAt } : {}),
});

/** Code-unit order, as DynamoDB sorts string keys (localeCompare would ignore case and disagree with the index). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Newest first, ties by id: the same order as the organization-wide view's index, read backwards. */
export const newestFirst = (a: TokenRecord, b: TokenRecord): number => byCodeUnits(b.createdAt, a.createdAt) || byCodeUnits(b.id, a.id);
