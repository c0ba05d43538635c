/**
 * The domain's rule for a token TTL deleted before anybody found it expired (the stream handler's job):
 * its `token.expired` is recorded once, by the system, for inactivity; a revoked token, or one whose expiry
 * was already recorded, gets nothing. Proven here at the domain level, where the mutation tier runs; the
 * handler's decoding of stream records is proven in ttl-deletion.test.ts.
 */
import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, expect, test } from "vitest";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { recordExpiryOfDeletedToken } from "../../functions/domain/activity.ts";
import type { TokenRecord } from "../../functions/domain/model.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;

beforeAll(async () => {
  h = await createDomainHarness();
});

/** Reads the token item and deletes it, as TTL would; returns what the stream's old image holds. */
async function deleteAsTtlWould(tokenId: string): Promise<TokenRecord> {
  const token = await h.store.getToken(tokenId);
  await h.documentClient.send(new DeleteCommand({ TableName: h.tables.tokens, Key: keys.token(tokenId) }));
  const gone = await h.documentClient.send(new GetCommand({ TableName: h.tables.tokens, Key: keys.token(tokenId) }));
  expect(gone.Item).toBeUndefined();
  return token!;
}

const expiredRecords = async (orgId: string) =>
  (await h.store.listActivity(orgId, 50, undefined)).items.filter((r) => r.action === "token.expired");

test("an active token deleted unseen gets one token.expired, by the system, for inactivity", async () => {
  const m = await h.addMember("org-deleted-expiry", "vera");
  const made = await h.userTokens.generate({ ...m, name: "idle" });
  h.clock.advance(31 * 86_400);
  const image = await deleteAsTtlWould(made.token.id);

  expect(await recordExpiryOfDeletedToken(h, image)).toBe(true);
  // A stream batch delivered again records nothing more.
  expect(await recordExpiryOfDeletedToken(h, image)).toBe(false);

  const records = await expiredRecords(m.orgId);
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    tokenId: made.token.id,
    actor: { type: "system" },
    detail: { reason: "inactivity", name: "idle", kind: "user" },
  });
});

test("a revoked token, or one whose expiry was already recorded, gets nothing", async () => {
  const m = await h.addMember("org-deleted-expiry-2", "walt");
  const revoked = await h.userTokens.generate({ ...m, name: "revoked" });
  await h.revoke({ ...m, tokenId: revoked.token.id });
  const found = await h.userTokens.generate({ ...m, name: "found first" });
  h.clock.advance(31 * 86_400);
  await h.verifier.verify({ token: found.secret }); // records its expiry

  expect(await recordExpiryOfDeletedToken(h, await deleteAsTtlWould(revoked.token.id))).toBe(false);
  expect(await recordExpiryOfDeletedToken(h, await deleteAsTtlWould(found.token.id))).toBe(false);
  expect((await expiredRecords(m.orgId)).map((r) => r.tokenId)).toEqual([found.token.id]);
});
