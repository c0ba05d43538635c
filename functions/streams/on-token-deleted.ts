import { tokenEntity } from "../adapters/dynamodb/entities/token.ts";
import { recordExpiryOfDeletedToken } from "../domain/activity.ts";
import { clock, store } from "../platform/services.ts";
import { removedItem, streamHandler } from "../platform/stream-handler.ts";

/**
 * DynamoDB stream of the tokens table, filtered (in the event source mapping, by the token entity's
 * `TOKEN_ITEM`) to deletions by TTL of active token items.
 * API.md: `token.expired` is recorded no later than the first request that finds the token expired, *or the
 * TTL deletion*: a token nobody touched after it expired gets its record here, through the same domain code
 * as every other expiry. Tokens already recorded or revoked are left alone.
 */
export const handler = streamHandler({
  decode: (record) => {
    const item = removedItem(record);
    return item && tokenEntity.fromImage(item);
  },
  logKeys: (token) => ({ tokenId: token.id, orgId: token.orgId }),
  apply: async (token) => ((await recordExpiryOfDeletedToken({ store, clock }, token)) ? "token.expired recorded" : "nothing to record"),
});
