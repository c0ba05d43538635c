import type {
  ActivityRecord,
  MembershipRecord,
  OrganizationSettings,
  Page,
  PasswordFailures,
  ServiceTokenSet,
  ServiceUserRecord,
  TokenRecord,
} from "./model.ts";

/** Where time comes from: the system clock in AWS, a clock tests and the local server can move. */
export interface Clock {
  now(): Date;
}

/** Re-checks a person's password with the identity provider (Cognito in AWS, the local IdP locally). */
export interface PasswordCheck {
  verify(userId: string, password: string): Promise<boolean>;
}

/**
 * The persistence the domain needs. Every change is written in one transaction with its activity records,
 * so neither exists without the other. Writes that protect an invariant are conditional: a lost race
 * throws `WriteConflict` (the caller re-reads and retries); a store that cannot answer throws
 * `StoreUnavailable`; a cursor that is not one of ours throws `InvalidCursor`. Reads of items are strongly
 * consistent; the organization-wide token list comes from an index and may lag by a moment.
 */
export interface TokenStore {
  getToken(tokenId: string): Promise<TokenRecord | undefined>;
  /** Missing ids (never written, or deleted by TTL) are left out. */
  getTokens(tokenIds: readonly string[]): Promise<TokenRecord[]>;
  getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined>;
  getOrganizationSettings(orgId: string): Promise<OrganizationSettings | undefined>;

  /**
   * Writes the new token and the membership's new token list together, only if the membership is still
   * at `membership.version` (so no other generate, revoke or access change slipped in) and still active.
   */
  createUserToken(
    token: TokenRecord,
    membership: MembershipRecord,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void>;

  /**
   * Writes the new service-user token and the organization's new token set together, only if neither the
   * set nor the service user changed since they were read.
   */
  createServiceUserToken(
    token: TokenRecord,
    serviceUser: ServiceUserRecord,
    tokenSet: ServiceTokenSet,
    tokens: Readonly<Record<string, string>>,
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

  /** Marks an expired token as recorded, with its `token.expired` activity. False if already recorded. */
  recordExpiry(token: TokenRecord, now: Date, activity: ActivityRecord): Promise<boolean>;

  /**
   * For a token TTL has already deleted without its expiry being recorded: writes the record once, guarded
   * by a marker of its own (stream deliveries repeat). False if it was recorded before.
   */
  recordExpiryOfDeletedToken(token: TokenRecord, activity: ActivityRecord): Promise<boolean>;

  /**
   * Saves a membership (new when `expectedVersion` is undefined) and, in the same transaction, rewrites the
   * access copy on each token in its `tokenIds` (which must all still exist) so verification sees the change
   * on the next call, and revokes `revocation.tokens` (active tokens no longer in its list) with their records.
   */
  saveMembership(
    membership: MembershipRecord,
    expectedVersion: number | undefined,
    revocation?: { tokens: readonly TokenRecord[]; revokedAt: string; activity: readonly ActivityRecord[] },
  ): Promise<void>;

  saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void>;

  getServiceUser(orgId: string, serviceUserId: string): Promise<ServiceUserRecord | undefined>;
  listServiceUsers(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ServiceUserRecord>>;
  getServiceTokenSet(orgId: string): Promise<ServiceTokenSet>;
  createServiceUser(serviceUser: ServiceUserRecord, activity: ActivityRecord): Promise<void>;
  /**
   * Saves the changed service user and rewrites the access copy on its `tokenIds`, only if neither it nor
   * the organization's token set changed since they were read.
   */
  updateServiceUser(
    serviceUser: ServiceUserRecord,
    expectedVersion: number,
    tokenSet: ServiceTokenSet,
    tokenIds: readonly string[],
    activity: ActivityRecord,
  ): Promise<void>;
  /** Deletes the service user and revokes `revoke` (its active tokens) in one transaction. */
  deleteServiceUser(
    serviceUser: ServiceUserRecord,
    tokenSet: ServiceTokenSet,
    revoke: readonly TokenRecord[],
    revokedAt: string,
    activity: readonly ActivityRecord[],
  ): Promise<void>;

  /** Unrevoked tokens of the organization, newest first; the caller filters out the expired ones. */
  listOrganizationTokens(orgId: string, limit: number, cursor: string | undefined): Promise<Page<TokenRecord>>;
  listActivity(orgId: string, limit: number, cursor: string | undefined): Promise<Page<ActivityRecord>>;

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
