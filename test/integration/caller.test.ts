/**
 * API.md "The caller" (`GET /v1/me`) against DynamoDB Local: the person's active memberships across
 * organizations (found by the person index in one query), sorted, with the admin flag, SSO and the
 * organization's name; the person's name from the newest applied `User Upserted`; stale events; and the
 * operator's backfill of the index attributes that memberships written before the index lack.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { membershipEntity } from "../../functions/adapters/dynamodb/entities/membership.ts";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import { backfillPersonIndex } from "../../functions/adapters/dynamodb/person-index-backfill.ts";
import { describeCaller } from "../../functions/domain/caller.ts";
import { configureHandlersFor, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const me = (userId: string) => describeCaller(h.store, userId);
const settings = (orgId: string, ssoEnforced: boolean, name?: string, occurredAt = h.nextEventTime()) =>
  h.memberships.applyOrganizationSettingsChanged({ orgId, ssoEnforced, ...(name === undefined ? {} : { name }), occurredAt });
const upsert = (orgId: string, userId: string, name: string, permissions: string[] = [], occurredAt = h.nextEventTime()) =>
  h.memberships.applyUserUpserted({ orgId, userId, name, permissions, groups: [], sites: [], occurredAt });
const statusEvent = (orgId: string, userId: string, occurredAt = h.nextEventTime()) => ({ orgId, userId, occurredAt });

describe("the caller's organizations", () => {
  test("every organization where the person is an active member, sorted by id, with admin, SSO and name", async () => {
    const userId = unique("ada");
    const [a, b, c] = ["b-", "a-", "c-"].map((p) => unique(p));
    await upsert(a!, userId, "Ada", ["api-tokens:admin", "reports:read"]);
    await upsert(b!, userId, "Ada", ["reports:read"]);
    await upsert(c!, userId, "Ada", [`api-tokens:admin `]);
    await settings(a!, true, "Acme");
    await settings(c!, false);
    expect(await me(userId)).toEqual({
      user: { id: userId, name: "Ada" },
      organizations: [
        { orgId: b, name: null, ssoEnforced: false, admin: false },
        { orgId: a, name: "Acme", ssoEnforced: true, admin: true },
        { orgId: c, name: null, ssoEnforced: false, admin: false },
      ].sort((x, y) => (x.orgId! < y.orgId! ? -1 : 1)),
    });
  });

  test("deactivated, removed and never-admitted memberships vanish; a reactivation or a new upsert brings them back", async () => {
    const userId = unique("bob");
    const [kept, deactivated, removed, unknown] = ["k", "d", "r", "u"].map((p) => unique(p));
    for (const orgId of [kept!, deactivated!, removed!]) await upsert(orgId, userId, "Bob");
    await h.memberships.applyUserDeactivated(statusEvent(deactivated!, userId));
    await h.memberships.applyUserRemoved(statusEvent(removed!, userId));
    // Known only from a deactivation that overtook the first upsert: not a member.
    await h.memberships.applyUserDeactivated(statusEvent(unknown!, userId));
    expect((await me(userId)).organizations.map((o) => o.orgId)).toEqual([kept]);

    await h.memberships.applyUserReactivated(statusEvent(deactivated!, userId));
    await upsert(removed!, userId, "Bob");
    expect((await me(userId)).organizations.map((o) => o.orgId)).toEqual([kept, deactivated, removed].sort());
  });

  test("a deleted organization vanishes; no membership at all is an empty list and a null name", async () => {
    const userId = unique("cy");
    const orgId = unique("gone");
    await upsert(orgId, userId, "Cy");
    await h.memberships.applyOrganizationDeleted({ orgId, occurredAt: h.nextEventTime() });
    expect(await me(userId)).toEqual({ user: { id: userId, name: "Cy" }, organizations: [] });
    const nobody = unique("nobody");
    expect(await me(nobody)).toEqual({ user: { id: nobody, name: null }, organizations: [] });
  });

  test("only the caller's own memberships: a fellow member's, and their other organizations, never appear", async () => {
    const [ann, ben] = [unique("ann"), unique("ben")];
    const shared = unique("shared");
    const bensOwn = unique("bens");
    await upsert(shared, ann, "Ann");
    await upsert(shared, ben, "Ben", ["api-tokens:admin"]);
    await upsert(bensOwn, ben, "Ben");
    expect(await me(ann)).toEqual({
      user: { id: ann, name: "Ann" },
      organizations: [{ orgId: shared, name: null, ssoEnforced: false, admin: false }],
    });
    expect((await me(ben)).organizations.map((o) => o.orgId)).toEqual([shared, bensOwn].sort());
    // An id that is a prefix of another's is another person.
    expect((await me(ann.slice(0, -1))).organizations).toEqual([]);
  });
});

describe("the person's name", () => {
  test("from the newest applied User Upserted of any organization, whatever the membership's status now", async () => {
    const userId = unique("dee");
    const [x, y] = [unique("x"), unique("y")];
    await upsert(x, userId, "Dee Old");
    await upsert(y, userId, "Dee New");
    expect((await me(userId)).user.name).toBe("Dee New");
    // A later status event moves lastEventAt only: the name stays the upsert's.
    await h.memberships.applyUserDeactivated(statusEvent(y, userId));
    expect(await me(userId)).toMatchObject({ user: { name: "Dee New" }, organizations: [{ orgId: x }] });
    // A newer upsert in the other organization renames.
    await upsert(x, userId, "Dee Newest");
    expect((await me(userId)).user.name).toBe("Dee Newest");
  });

  test("a stale upsert changes nothing; a membership known only from status events has no name (null)", async () => {
    const userId = unique("eve");
    const orgId = unique("o");
    const early = h.nextEventTime();
    await upsert(orgId, userId, "Eve");
    expect(await upsert(orgId, userId, "Eve Stale", [], early)).toBe("stale");
    expect((await me(userId)).user.name).toBe("Eve");

    const ghost = unique("ghost");
    await h.memberships.applyUserReactivated(statusEvent(orgId, ghost));
    expect(await me(ghost)).toEqual({ user: { id: ghost, name: null }, organizations: [] });
    // Its first upsert, older than the reactivation, is stale: still no name.
    expect(await upsert(orgId, ghost, "Ghost", [], early)).toBe("stale");
    expect((await me(ghost)).user.name).toBeNull();
  });
});

describe("the organization's name (Organization Settings Changed)", () => {
  test("null until an event names it; an event without name keeps it; a newer name replaces it; a stale one is ignored", async () => {
    const userId = unique("fay");
    const orgId = unique("org");
    await upsert(orgId, userId, "Fay");
    const nameOf = async () => (await me(userId)).organizations[0]!;
    expect(await nameOf()).toMatchObject({ name: null, ssoEnforced: false });
    await settings(orgId, false, "Acme");
    expect(await nameOf()).toMatchObject({ name: "Acme", ssoEnforced: false });
    await settings(orgId, true);
    expect(await nameOf()).toMatchObject({ name: "Acme", ssoEnforced: true });
    const stale = h.nextEventTime();
    await settings(orgId, true, "Acme Corp");
    expect(await settings(orgId, false, "Stale Name", stale)).toBe("stale");
    expect(await nameOf()).toMatchObject({ name: "Acme Corp", ssoEnforced: true });
    expect(await h.store.getOrganizationSettings(orgId)).toMatchObject({ name: "Acme Corp" });
  });

  test("an invalid name is refused like any invalid event field", async () => {
    const { organizationSettingsChangedSchema } = await import("../../functions/domain/memberships.ts");
    const base = { orgId: "o", ssoEnforced: true, occurredAt: "2026-01-01T00:00:00.000Z" };
    expect(organizationSettingsChangedSchema.safeParse({ ...base, name: "  Acme  " }).data?.name).toBe("Acme");
    for (const name of ["", "   ", "x".repeat(101), 42, null]) {
      expect(organizationSettingsChangedSchema.safeParse({ ...base, name }).success, JSON.stringify(name)).toBe(false);
    }
  });
});

describe("the person index", () => {
  test("every membership save writes the index attributes", async () => {
    const userId = unique("gil");
    const orgId = unique("org");
    await upsert(orgId, userId, "Gil");
    await h.memberships.applyUserDeactivated(statusEvent(orgId, userId));
    const { Item } = await h.documentClient.send(
      new GetCommand({ TableName: h.tables.tokens, Key: keys.membership(orgId, userId), ConsistentRead: true }),
    );
    expect(Item).toMatchObject(keys.membershipByPerson(orgId, userId));
  });
});

describe("the backfill of memberships written before the index", () => {
  /** A membership item as the service wrote it before the index existed: without its attributes. */
  async function oldMembership(orgId: string, userId: string) {
    await upsert(orgId, userId, "Old Timer", ["api-tokens:admin"]);
    const key = keys.membership(orgId, userId);
    const { Item } = await h.documentClient.send(new GetCommand({ TableName: h.tables.tokens, Key: key, ConsistentRead: true }));
    const [indexPk, indexSk] = membershipEntity.personIndexAttributes;
    // Nor did it record when the name was set.
    const { [indexPk]: _pk, [indexSk]: _sk, nameAt: _nameAt, ...old } = Item!;
    await h.documentClient.send(new PutCommand({ TableName: h.tables.tokens, Item: old }));
    return old;
  }

  const run = (input: { dryRun: boolean; maxPages?: number; startAfter?: string; pageSize?: number }) =>
    backfillPersonIndex(h.documentClient, h.tables.tokens, { maxPages: 100, ...input });

  test("a dry run counts and changes nothing; a run sets them (resumably), leaves everything else alone, and is idempotent", async () => {
    const userId = unique("old");
    const orgs = [unique("o1"), unique("o2"), unique("o3")];
    const before = [];
    for (const orgId of orgs) before.push(await oldMembership(orgId, userId));
    // Some other items, a token among them, that the backfill must not touch.
    const other = await h.addMember(unique("other"), unique("p"));
    const token = await h.userTokens.generate({ ...other, name: "untouched" });
    expect((await me(userId)).organizations).toEqual([]);

    const dry = await run({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, missing: 3, updated: 0, done: true, nextStartAfter: null });
    expect((await me(userId)).organizations).toEqual([]);

    // Small pages, one page per run: each run answers where to go on, and the runs together visit every item.
    let startAfter: string | undefined;
    let updated = 0;
    let runs = 0;
    for (let done = false; !done; runs++) {
      const result = await run({ dryRun: false, maxPages: 1, pageSize: 2, ...(startAfter ? { startAfter } : {}) });
      updated += result.updated;
      done = result.done;
      startAfter = result.nextStartAfter ?? undefined;
      if (!done) expect(startAfter).toEqual(expect.any(String));
    }
    expect(runs).toBeGreaterThan(1);
    expect(updated).toBe(3);
    expect((await me(userId)).organizations.map((o) => [o.orgId, o.admin])).toEqual(orgs.sort().map((orgId) => [orgId, true]));
    expect((await me(userId)).user.name).toBe("Old Timer");
    // The items are as they were, plus the index attributes: no version moved.
    for (const old of before) {
      const { Item } = await h.documentClient.send(
        new GetCommand({ TableName: h.tables.tokens, Key: keys.membership(old.orgId as string, userId), ConsistentRead: true }),
      );
      // When the name was set is not known: the last event applied stands in for it.
      expect(Item).toEqual({ ...old, ...keys.membershipByPerson(old.orgId as string, userId), nameAt: old.lastEventAt });
    }
    expect(await h.verifier.verify({ token: token.secret })).toMatchObject({ valid: true });
    // Again: nothing left to do.
    expect(await run({ dryRun: false })).toMatchObject({ missing: 0, updated: 0, done: true });
    const { Items } = await h.documentClient.send(
      new QueryCommand({ TableName: h.tables.tokens, ...membershipEntity.queryOfPerson(userId) }),
    );
    expect(Items).toHaveLength(3);
  });

  test("a membership known only from status events keeps no name; one saved since the upgrade without nameAt gets it", async () => {
    const [ghost, named] = [unique("ghost"), unique("named")];
    const orgId = unique("org");
    // Before the upgrade: a deactivation that overtook the first upsert (placeholder name: the user id).
    await h.memberships.applyUserDeactivated(statusEvent(orgId, ghost));
    const ghostKey = keys.membership(orgId, ghost);
    const [indexPk, indexSk] = membershipEntity.personIndexAttributes;
    const { Item: ghostItem } = await h.documentClient.send(
      new GetCommand({ TableName: h.tables.tokens, Key: ghostKey, ConsistentRead: true }),
    );
    const { [indexPk]: _a, [indexSk]: _b, ...oldGhost } = ghostItem!;
    await h.documentClient.send(new PutCommand({ TableName: h.tables.tokens, Item: oldGhost }));
    // Upserted before the upgrade, then deactivated after it: the save wrote the index attributes, but no nameAt.
    await oldMembership(orgId, named);
    const { Item: namedItem } = await h.documentClient.send(
      new GetCommand({ TableName: h.tables.tokens, Key: keys.membership(orgId, named), ConsistentRead: true }),
    );
    await h.documentClient.send(
      new PutCommand({ TableName: h.tables.tokens, Item: { ...namedItem, ...keys.membershipByPerson(orgId, named) } }),
    );
    expect((await me(named)).user.name).toBeNull();

    await run({ dryRun: false });
    const ghostAfter = (await h.documentClient.send(new GetCommand({ TableName: h.tables.tokens, Key: ghostKey, ConsistentRead: true })))
      .Item!;
    expect(ghostAfter).toEqual({ ...oldGhost, ...keys.membershipByPerson(orgId, ghost) });
    expect(await me(ghost)).toEqual({ user: { id: ghost, name: null }, organizations: [] });
    expect((await me(named)).user.name).toBe("Old Timer");
    expect(await run({ dryRun: true })).toMatchObject({ missing: 0 });
  });

  test("the operator function: dry run by default, a bad startAfter is an answer naming it, and then it sets them", async () => {
    configureHandlersFor(h);
    const { handler } = await import("../../functions/operations/backfill-person-index.ts");
    const context = { awsRequestId: "test", getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
    const invoke = (event: unknown) => (handler as (event: unknown, context: Context) => Promise<Record<string, unknown>>)(event, context);
    const userId = unique("ops");
    const orgId = unique("org");
    await oldMembership(orgId, userId);

    expect(await invoke({})).toMatchObject({ ok: true, dryRun: true, updated: 0 });
    expect((await invoke({})).missing as number).toBeGreaterThanOrEqual(1);
    expect(await invoke({ startAfter: "not-a-position" })).toMatchObject({ ok: false, error: expect.stringContaining("startAfter") });
    expect(await invoke({ dryRun: false, unknown: 1 })).toMatchObject({ ok: false });
    expect(await invoke({ dryRun: false })).toMatchObject({ ok: true, dryRun: false, done: true, nextStartAfter: null });
    expect((await me(userId)).organizations.map((o) => o.orgId)).toEqual([orgId]);
  });
});

describe("a local table kept from before the index (npm start on .local-data)", () => {
  // DynamoDB Local builds the added index in the background: a second or two when idle, longer on a busy machine.
  test("create-table adds the missing index, and the backfill makes GET /v1/me complete", { timeout: 90_000 }, async () => {
    const { DynamoDBClient, DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
    const { ensureTable } = await import("../../local/create-table.ts");
    const { tableDefinitions } = await import("../../functions/adapters/dynamodb/table-definition.ts");
    const { DynamoDbTokenStore } = await import("../../functions/adapters/dynamodb/dynamodb-token-store.ts");
    // Its own DynamoDB Local: the run's shared one, busy with every other file's tables, took over a minute to
    // build an added index on a loaded machine; alone it takes a second or two.
    const { startDynamoDbLocal } = await import("../../local/dynamodb-local.ts");
    const { createDocumentClient } = await import("../../functions/adapters/dynamodb/client.ts");
    const getPort = (await import("get-port")).default;
    const dynamo = await startDynamoDbLocal({ port: await getPort() });
    onTestFinished(() => dynamo.stop());
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const documentClient = createDocumentClient({ endpoint: dynamo.endpoint });
    onTestFinished(() => documentClient.destroy());
    const tableName = unique("kept");
    const before = {
      ...tableDefinitions.tokens,
      globalSecondaryIndexes: tableDefinitions.tokens.globalSecondaryIndexes.filter((index) => index.indexName !== "byPerson"),
    };
    expect(await ensureTable(client, tableName, before)).toBe("created");
    const [indexPk, indexSk] = membershipEntity.personIndexAttributes;
    const old = membershipEntity.toItem({
      orgId: "acme",
      userId: "ada",
      name: "Ada",
      permissions: [],
      groups: [],
      sites: [],
      status: "active",
      lastEventAt: "2026-01-01T00:00:00.000Z",
      version: 1,
    });
    delete old[indexPk];
    delete old[indexSk];
    await documentClient.send(new PutCommand({ TableName: tableName, Item: old }));

    expect(await ensureTable(client, tableName, tableDefinitions.tokens)).toBe("existed");
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // Added and built before ensureTable returns, so the server's first query of it works.
    // Every index of the definition, the two added since (byPerson, then byDueDay) one after the other.
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus]).sort()).toEqual([
      ["byDueDay", "ACTIVE"],
      ["byOrganization", "ACTIVE"],
      ["byPerson", "ACTIVE"],
    ]);
    // Again: nothing to add.
    expect(await ensureTable(client, tableName, tableDefinitions.tokens)).toBe("existed");

    const store = new DynamoDbTokenStore(documentClient, { tokens: tableName, activity: `${tableName}-activity` });
    expect((await describeCaller(store, "ada")).organizations).toEqual([]);
    expect(await backfillPersonIndex(documentClient, tableName, { dryRun: false, maxPages: 10 })).toMatchObject({
      updated: 1,
      done: true,
    });
    expect((await describeCaller(store, "ada")).organizations).toEqual([{ orgId: "acme", name: null, ssoEnforced: false, admin: false }]);
    client.destroy();
  });
});
