import type {
  ActivityRecord,
  MembershipRecord,
  OrganizationSettings,
  Page,
  PasswordFailures,
  ServiceUserRecord,
  TokenEvent,
  TokenRecord,
  TokenSet,
} from "./model.ts";

/** Where time comes from: the system clock in AWS, a clock tests and the local server can move. */
export interface Clock {
  now(): Date;
}

/** What the person's session says about them: who they are to the platform, and to the identity provider. */
export interface SessionPerson {
  /** The platform's user id (the session claim the deployment names; `sub` by default). */
  readonly userId: string;
  /**
   * The name the identity provider knows the person by, as the session carries it (Cognito's
   * `cognito:username`); absent when the session has none (another issuer, or the local identity provider).
   */
  readonly signInName?: string | undefined;
}

/**
 * Re-checks a person's password with the identity provider (Cognito in AWS, the local IdP locally).
 * False means the password is wrong (it counts toward the lock); anything else that stops the check
 * (an outage, a session this identity provider cannot check) is thrown, and never counts.
 */
export interface PasswordCheck {
  verify(person: SessionPerson, password: string): Promise<boolean>;
}

/**
 * The persistence the domain needs, one interface per aggregate (`TokenStore` is all of them, which is what
 * the domain's operations take). Every change is written in one transaction with its activity records,
 * so neither exists without the other. Writes that protect an invariant are conditional: a lost race
 * throws `WriteConflict` (the caller re-reads and retries); a store that cannot answer throws
 * `StoreUnavailable`; a cursor that is not one of ours throws `InvalidCursor`. Reads of items are strongly
 * consistent; the organization-wide token list comes from an index and may lag by a moment.
 */
/** What the verification path needs of the tokens: read one, record its use, record what it finds late. */
export type TokenUseRepository = Pick<TokenRepository, "getToken" | "getTokens" | "recordTokenUse" | "recordExpiry" | "recordGraceEnd">;

export interface TokenStore extends TokenRepository, MembershipRepository, ServiceUserRepository, ActivityLog, PasswordThrottleStore {}

/** Tokens and the token sets that index them (and guard the limits). */
export interface TokenRepository {
  getToken(tokenId: string): Promise<TokenRecord | undefined>;
  /** Missing ids (never written, or deleted by TTL) are left out. */
  getTokens(tokenIds: readonly string[]): Promise<TokenRecord[]>;
  /** A person's user-token set in an organization (`userId`), or the organization's service-token set. */
  getTokenSet(orgId: string, userId?: string): Promise<TokenSet>;

  /**
   * Writes the new token, its set's new content (`tokens`: the set as read, less ids found no longer active,
   * plus the new token) and its activity together, only if the set is still at `tokenSet.version` (no other
   * generate or revocation slipped in) and the owner is unchanged: for a user token the membership is still
   * at its version and active (so the access copied onto the token is current), for a service-user token the
   * service user is still at its version.
   */
  createToken(
    token: TokenRecord,
    tokenSet: TokenSet,
    tokens: Readonly<Record<string, string>>,
    owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord },
    activity: ActivityRecord,
  ): Promise<void>;

  /**
   * Records a use (and, for a login, its activity): only while the token is still active at `now`.
   * Returns false if it no longer is. `use` may be omitted when only the activity is to be written.
   */
  recordTokenUse(
    token: TokenRecord,
    use: { lastUsedAt: string; expiresAt: number } | undefined,
    now: Date,
    activity?: ActivityRecord,
  ): Promise<boolean>;

  /**
   * Revokes an active, unexpired token and drops it from its owner's list (membership or service token set).
   * Returns false when the token was not active at `now` (already revoked, or expired).
   */
  revokeToken(token: TokenRecord, revokedAt: string, now: Date, activity: ActivityRecord): Promise<boolean>;

  /**
   * Rotation, in one transaction: the new token (with `replaces`) joins the set; the old one either enters its
   * grace (`graceEndsAt`, `replacedBy`: still in the set, no longer counted) or, with no grace, is revoked and
   * leaves the set; the token the old one replaced, if still in its grace (`endGraceOf`), is revoked and leaves
   * the set (a chain has at most two working tokens). Only if the old token is still active and in no grace,
   * the set is still at `tokenSet.version` and the owner unchanged (as `createToken`). False when the old token
   * is no longer rotatable (the caller answers `not_found`); `WriteConflict` when the set or owner moved.
   */
  rotateToken(rotation: {
    old: TokenRecord;
    oldUpdate: { graceEndsAt: string } | { revokedAt: string };
    token: TokenRecord;
    tokenSet: TokenSet;
    tokens: Readonly<Record<string, string>>;
    owner: { membership: MembershipRecord } | { serviceUser: ServiceUserRecord };
    endGraceOf?: TokenRecord;
    now: Date;
    activity: readonly ActivityRecord[];
  }): Promise<boolean>;

  /**
   * Records the end of a replaced token's grace: revoked as of `graceEndsAt`, out of its set, with its
   * `token.revoked` (reason `rotated`). False if it was recorded before (or the token is no longer active).
   */
  recordGraceEnd(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean>;

  /**
   * The tokens with work due on `day` (`YYYY-MM-DD`, UTC): an expiry warning, an expiry, or a grace's end, then
   * or earlier that day. From an index that lags a moment; the tokens themselves are read strongly consistent,
   * and say what is due.
   */
  listTokensDueOn(day: string): Promise<TokenRecord[]>;

  /**
   * Publishes a working token's `Token Expiring Soon` for its current idle stretch (`warnedFor`), with the
   * warning's outbox item. False if the token was used, revoked, rotated, expired or warned since it was read.
   */
  recordExpiryWarning(token: TokenRecord, now: Date, event: TokenEvent): Promise<boolean>;

  /** Marks an expired token as recorded, with its `token.expired` activity. False if already recorded. */
  recordExpiry(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean>;

  /**
   * For a token TTL has already deleted without its expiry being recorded: writes the record once, guarded
   * by a marker of its own (stream deliveries repeat). False if it was recorded before.
   */
  recordExpiryOfDeletedToken(token: TokenRecord, activity: ActivityRecord): Promise<boolean>;

  /**
   * Unrevoked tokens of the organization, newest first. `visible` is given each batch the store reads and
   * returns those of them (the same objects) to show: the caller leaves out expired ones (recording them).
   * The store reads on until the page is full, so a page is empty only when it is the last.
   */
  listOrganizationTokens(
    orgId: string,
    limit: number,
    cursor: string | undefined,
    visible?: (tokens: readonly TokenRecord[]) => Promise<readonly TokenRecord[]>,
  ): Promise<Page<TokenRecord>>;
}

/** Memberships (projected from the platform's user events) and organization settings. */
export interface MembershipRepository {
  getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined>;
  /** Every membership of the organization, whatever its status. */
  listMemberships(orgId: string): Promise<MembershipRecord[]>;
  getOrganizationSettings(orgId: string): Promise<OrganizationSettings | undefined>;
  /**
   * Every membership of one person, across organizations, whatever its status, each with its organization's
   * settings (undefined when no event has set any): one query of an index that finds them, then one strongly
   * consistent batch read of the memberships and settings themselves. The index lags writes by a moment, so a
   * membership made a moment ago may be missing; a found one is always read as it is now.
   */
  listMembershipsOfPerson(userId: string): Promise<{ membership: MembershipRecord; settings: OrganizationSettings | undefined }[]>;

  /**
   * Saves a membership (new when `expectedVersion` is undefined), only while its organization has not been
   * deleted (unless `organizationDeleted`, the deletion's own clean-up), and in the same transaction brings the
   * person's live tokens (`tokens.live`, read from `tokens.tokenSet`) in step with it: either their access
   * copy is rewritten (the set checked unchanged, so no token is made meanwhile with the old access), or, with
   * `revoke`, each is revoked with its record and leaves the set.
   */
  saveMembership(
    membership: MembershipRecord,
    expectedVersion: number | undefined,
    tokens: {
      tokenSet: TokenSet;
      live: readonly TokenRecord[];
      revoke?: { revokedAt: string; activity: readonly ActivityRecord[] };
    },
    options?: { allowDeletedOrganization?: boolean },
  ): Promise<void>;

  saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void>;
}

/** The service users of an organization. */
export interface ServiceUserRepository {
  getServiceUser(orgId: string, serviceUserId: string): Promise<ServiceUserRecord | undefined>;
  /** Every service user of the organization (the organization's deletion sweeps them all). */
  listAllServiceUsers(orgId: string): Promise<ServiceUserRecord[]>;
  listServiceUsers(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ServiceUserRecord>>;
  /** Only while the organization has not been deleted; `WriteConflict` otherwise (the caller re-reads). */
  createServiceUser(serviceUser: ServiceUserRecord, activity: ActivityRecord): Promise<void>;
  /**
   * Saves the changed service user and rewrites the access copy on its `tokenIds`, only if neither it nor
   * the organization's token set changed since they were read.
   */
  updateServiceUser(
    serviceUser: ServiceUserRecord,
    expectedVersion: number,
    tokenSet: TokenSet,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void>;
  /** Deletes the service user and revokes `revoke` (its active tokens) in one transaction. */
  deleteServiceUser(
    serviceUser: ServiceUserRecord,
    tokenSet: TokenSet,
    revoke: readonly TokenRecord[],
    revokedAt: string,
    activity: readonly ActivityRecord[],
  ): Promise<void>;
}

/** The activity log (written only with the changes it records, through the other repositories). */
export interface ActivityLog {
  listActivity(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ActivityRecord>>;
}

/** Password throttling: one record per person, across organizations. */
export interface PasswordThrottleStore {
  getPasswordFailures(userId: string): Promise<PasswordFailures | undefined>;
  savePasswordFailures(failures: PasswordFailures, expectedVersion: number | undefined): Promise<void>;
  /**
   * Adds the check `attemptId` (started `at`) to `pending` in one conditional write, if the stored record
   * is not locked at `at` and has at most `failuresAtMost` failures and fewer than `pendingBelow` checks
   * under way (stale entries included). If not, nothing is written and the answer carries the record as it
   * is (undefined if there is none: savePasswordFailures creates it). Bumps the version.
   */
  takePasswordCheckPlace(
    userId: string,
    attemptId: string,
    at: string,
    limits: { failuresAtMost: number; pendingBelow: number },
  ): Promise<{ taken: true } | { taken: false; current: PasswordFailures | undefined }>;
  /**
   * Ends the check `attemptId` (drops it from `pending`) in one write that never conflicts; `reset` also
   * clears the failures and the lock (a right password). Bumps the version like every write of the record.
   */
  releasePasswordCheck(userId: string, attemptId: string, options: { reset: boolean }): Promise<void>;
}
