import type {
  MembershipRecord,
  OrganizationSettings,
  PasswordFailures,
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
 * The persistence the domain needs. Writes that protect an invariant are conditional: a lost race throws
 * `WriteConflict` (the caller re-reads and retries); a store that cannot answer throws `StoreUnavailable`.
 * All reads are strongly consistent.
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
  createUserToken(token: TokenRecord, membership: MembershipRecord, tokenIds: readonly string[]): Promise<void>;

  /** Records a use: only while the token is still active at `now`. Returns false if it no longer is. */
  recordTokenUse(tokenId: string, lastUsedAt: string, expiresAt: number, now: Date): Promise<boolean>;

  /**
   * Revokes an active, unexpired user token and drops it from its owner's membership list.
   * Returns false when the token was not active at `now` (already revoked, or expired).
   */
  revokeUserToken(token: TokenRecord, revokedAt: string, now: Date): Promise<boolean>;

  /**
   * Saves a membership (new when `expectedVersion` is undefined) and, in the same transaction, rewrites the
   * access copy on each token in its `tokenIds` (which must all still exist) so verification sees the change
   * on the next call.
   */
  saveMembership(membership: MembershipRecord, expectedVersion: number | undefined): Promise<void>;

  saveOrganizationSettings(settings: OrganizationSettings, expectedVersion: number | undefined): Promise<void>;

  getPasswordFailures(userId: string): Promise<PasswordFailures | undefined>;
  savePasswordFailures(failures: PasswordFailures, expectedVersion: number | undefined): Promise<void>;
}
