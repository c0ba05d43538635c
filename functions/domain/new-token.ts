import { expiryAfter, type PrincipalAccess, type TokenKind, type TokenRecord } from "./model.ts";
import { newTokenSecret } from "./token-secret.ts";

/**
 * A new active token and its secret: the record keeps only the hash and the hint, the secret goes to the
 * caller once. Both kinds are made here, so they can never differ in how.
 */
export function newToken(input: { kind: TokenKind; orgId: string; ownerId: string; name: string; principal: PrincipalAccess; now: Date }): {
  token: TokenRecord;
  secret: string;
} {
  const secret = newTokenSecret(input.kind);
  return {
    secret: secret.secret,
    token: {
      id: secret.id,
      orgId: input.orgId,
      kind: input.kind,
      ownerId: input.ownerId,
      name: input.name,
      secretHash: secret.secretHash,
      hint: secret.hint,
      createdAt: input.now.toISOString(),
      lastUsedAt: null,
      expiresAt: expiryAfter(input.now),
      status: "active",
      principal: input.principal,
      // Its `Token Created` is event 1.
      eventSequence: 1,
    },
  };
}
