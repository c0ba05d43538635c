import type { TokenSet } from "../../../domain/model.ts";
import { keys } from "../keys.ts";
import { VERSION, type Entity, type Item } from "./entity.ts";

/**
 * A token set: one person's unrevoked user tokens in an organization (token id → owner), or, without
 * `userId`, the organization's unrevoked service-user tokens. Only token writes change it, each in the same
 * transaction as the token, and each bumps its version.
 */
export const tokenSetAttributes = { tokens: "tokens", version: VERSION } as const satisfies Record<string, keyof TokenSet>;

export const tokenSetEntity = {
  type: "tokenSet",
  key: (tokenSet: Pick<TokenSet, "orgId" | "userId">) => keys.tokenSet(tokenSet.orgId, tokenSet.userId),
  /** The set of a token's owner: the person's for a user token, the organization's for a service-user token. */
  keyOfToken: (token: { orgId: string; kind: "user" | "service_user"; ownerId: string }) =>
    keys.tokenSet(token.orgId, token.kind === "user" ? token.ownerId : undefined),
  toItem: (tokenSet: TokenSet): Item => ({
    ...keys.tokenSet(tokenSet.orgId, tokenSet.userId),
    type: tokenSetEntity.type,
    orgId: tokenSet.orgId,
    ...(tokenSet.userId === undefined ? {} : { userId: tokenSet.userId }),
    tokens: tokenSet.tokens,
    version: tokenSet.version,
  }),
  fromItem: (item: Item): TokenSet => ({
    orgId: item.orgId as string,
    ...(item.userId === undefined ? {} : { userId: item.userId as string }),
    tokens: (item.tokens as Record<string, string> | undefined) ?? {},
    version: (item.version as number | undefined) ?? 0,
  }),
  /** A set that was never written is empty at version 0; the first write creates it. */
  fromMaybeItem: (orgId: string, userId: string | undefined, item: Item | undefined): TokenSet => ({
    orgId,
    ...(userId === undefined ? {} : { userId }),
    tokens: (item?.tokens as Record<string, string> | undefined) ?? {},
    version: (item?.version as number | undefined) ?? 0,
  }),
} as const satisfies Entity<TokenSet> & Record<string, unknown>;
