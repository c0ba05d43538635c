/**
 * API.md "Conventions" for the lists that can grow (service users, the organization-wide token view, the
 * activity log): "A cursor reveals nothing of the storage (no table, index, key or attribute names) and works
 * only for the list and organization it came from. A page is never empty unless it is the last."
 */
import { beforeAll, describe, expect, test } from "vitest";
import { DynamoDbTokenStore } from "../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { tableDefinitions } from "../../functions/adapters/dynamodb/table-definition.ts";
import { listActivity } from "../../functions/domain/activity.ts";
import { DAY_SECONDS } from "../../functions/domain/model.ts";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
let serviceUsers: ServiceUsers;
let organizationTokens: OrganizationTokens;
beforeAll(async () => {
  h = await createDomainHarness();
  serviceUsers = new ServiceUsers(h);
  organizationTokens = new OrganizationTokens(h);
});

const newAdmin = () => h.newAdmin();

type Page = { items: string[]; nextCursor: string | null };
type ListName = "service-users" | "admin-tokens" | "activity";
/** Each list through the domain, as its route calls it; items by their id (activity: by when and what). */
const lists: Record<ListName, (orgId: string, limit: number, cursor?: string) => Promise<Page>> = {
  "service-users": async (orgId, limit, cursor) => {
    const page = await serviceUsers.list(orgId, limit, cursor);
    return { items: page.serviceUsers.map((s) => s.id), nextCursor: page.nextCursor };
  },
  "admin-tokens": async (orgId, limit, cursor) => {
    const page = await organizationTokens.list(orgId, limit, cursor);
    return { items: page.tokens.map((t) => t.id), nextCursor: page.nextCursor };
  },
  activity: async (orgId, limit, cursor) => {
    const page = await listActivity(h.store, orgId, limit, cursor);
    return { items: page.events.map((e) => JSON.stringify(e)), nextCursor: page.nextCursor };
  },
};
const LIST_NAMES = Object.keys(lists) as ListName[];

/** Follows the cursors to the end; every page is checked against the convention on the way. */
async function allPages(list: ListName, orgId: string, limit: number) {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await lists[list](orgId, limit, cursor);
    pages.push(page);
    expect(page.items.length, `${list}: a page is at most limit`).toBeLessThanOrEqual(limit);
    if (page.nextCursor === null) break;
    expect(page.items.length, `${list}: a page with a nextCursor is never empty`).toBeGreaterThan(0);
    expect(pages.length, `${list}: too many pages`).toBeLessThan(500);
    cursor = page.nextCursor;
  }
  return { items: pages.flatMap((p) => p.items), pages };
}

/** An organization with 5 service users, 5 service-user tokens and so 10+ activity records. */
async function populatedOrganization() {
  const admin = await newAdmin();
  for (let i = 0; i < 5; i++) {
    const su = await serviceUsers.create(admin, { name: `svc ${i}`, permissions: ["p"] });
    await serviceUsers.generateToken(admin, su.id, `token ${i}`);
    h.clock.advance(1);
  }
  return admin;
}

/** Every way someone might try to read a cursor: as is, and each part base64/base64url/URI-decoded. */
function readings(cursor: string): string[] {
  const parts = [cursor, ...cursor.split(".")];
  const out = new Set<string>();
  for (const part of parts) {
    out.add(part);
    for (const encoding of ["base64", "base64url"] as const) {
      const bytes = Buffer.from(part, encoding);
      out.add(bytes.toString("utf8"));
      out.add(bytes.toString("latin1"));
    }
    try {
      out.add(decodeURIComponent(part));
    } catch {
      // not URI-encoded
    }
  }
  return [...out];
}

/** Every object key and string value in whatever of the readings parses as JSON (nested JSON included). */
function jsonContents(text: string, into: { keys: Set<string>; strings: Set<string> } = { keys: new Set(), strings: new Set() }) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return into;
  }
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      into.strings.add(v);
      jsonContents(v, into);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [key, inner] of Object.entries(v)) {
        into.keys.add(key);
        walk(inner);
      }
    }
  };
  walk(value);
  return into;
}

const printable = (text: string) => /^[\x20-\x7e]*$/.test(text);

describe("a cursor reveals nothing of the storage", () => {
  test("no table, index, key or attribute names and no key prefixes in any list's cursor, however it is decoded", async () => {
    const admin = await populatedOrganization();
    const attributeNames = [
      ...new Set(
        Object.values(tableDefinitions).flatMap((definition) => [
          definition.partitionKey.name,
          definition.sortKey.name,
          ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey.name, index.sortKey.name]),
        ]),
      ),
    ];
    expect(attributeNames).toEqual(expect.arrayContaining(["pk", "sk", "gsi1pk", "gsi1sk"]));
    const indexNames = tableDefinitions.tokens.globalSecondaryIndexes.map((index) => index.indexName);
    const forbidden = [
      h.tables.tokens,
      h.tables.activity,
      ...indexNames,
      "byOrganization",
      "gsi1",
      ...["ORG#", "TOKEN#", "SERVICE_USER#", "MEMBER#", "#TOKENS"],
      ...attributeNames.map((name) => `"${name}"`),
    ];

    for (const list of LIST_NAMES) {
      const { pages } = await allPages(list, admin.orgId, 2);
      const cursors = pages.map((p) => p.nextCursor).filter((c): c is string => c !== null);
      expect(cursors.length, list).toBeGreaterThanOrEqual(2);
      for (const cursor of cursors) {
        for (const reading of readings(cursor)) {
          for (const word of forbidden) expect(reading, `${list} cursor ${cursor}`).not.toContain(word);
          // As a word (not inside a random id): only where the reading is text at all.
          if (printable(reading)) {
            for (const name of attributeNames) expect(reading, `${list} cursor ${cursor}`).not.toMatch(new RegExp(`\\b${name}\\b`));
          }
          const { keys, strings } = jsonContents(reading);
          for (const name of attributeNames) expect([...keys], `${list} cursor ${cursor}`).not.toContain(name);
          for (const value of strings) {
            expect(value, `${list} cursor ${cursor}`).not.toMatch(/#/);
            expect(value).not.toContain(admin.orgId);
          }
        }
      }
    }
  });
});

describe("a cursor works only for the list and organization it came from", () => {
  test("another list's cursor, another organization's, a tampered or a garbage one: 400 invalid_request", async () => {
    const admin = await populatedOrganization();
    const other = await populatedOrganization();
    const cursorOf = async (list: ListName, orgId: string) => (await lists[list](orgId, 1)).nextCursor!;

    for (const from of LIST_NAMES) {
      const cursor = await cursorOf(from, admin.orgId);
      expect(typeof cursor, from).toBe("string");
      // Its own list and organization take it.
      expect(await code(lists[from](admin.orgId, 1, cursor)), from).toBe("ok");
      // No other list of the same organization does.
      for (const to of LIST_NAMES.filter((name) => name !== from)) {
        expect(await code(lists[to](admin.orgId, 1, cursor)), `${from} cursor on ${to}`).toBe("invalid_request");
      }
      // The same list of another organization does not either, and shows nothing of theirs.
      expect(await code(lists[from](other.orgId, 1, cursor)), `${from} cursor in another organization`).toBe("invalid_request");

      // Tampered: every single-character change, a truncation, an extension, parts swapped between cursors.
      const theirs = await cursorOf(from, other.orgId);
      const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
      const tampered = new Set<string>([
        cursor.slice(0, -1),
        cursor.slice(1),
        `${cursor}A`,
        `${cursor}.${cursor}`,
        ...Array.from({ length: cursor.length }, (_, at) => flip(cursor, at)),
      ]);
      if (cursor.includes(".")) {
        const [position, tag] = cursor.split(".");
        const [theirPosition, theirTag] = theirs.split(".");
        tampered.add(`${position}.${theirTag}`);
        tampered.add(`${theirPosition}.${tag}`);
        // A position of our own choosing (the first item of the list) under the real tag.
        tampered.add(`${Buffer.from(JSON.stringify(["0", "0"])).toString("base64url")}.${tag}`);
      }
      tampered.delete(cursor);
      for (const forged of tampered) {
        expect(await code(lists[from](admin.orgId, 1, forged)), `${from} cursor ${forged}`).toBe("invalid_request");
      }
    }

    const garbage = [
      "garbage!!",
      "abc",
      "a.b",
      ".",
      Buffer.from("[]").toString("base64url"),
      Buffer.from('"x"').toString("base64url"),
      Buffer.from(JSON.stringify({ l: "byOrganization", k: { pk: "TOKEN#x", sk: "TOKEN" } })).toString("base64url"),
      "x".repeat(5000),
    ];
    for (const list of LIST_NAMES) {
      for (const cursor of garbage) {
        expect(await code(lists[list](admin.orgId, 1, cursor)), `${list} ${cursor.slice(0, 40)}`).toBe("invalid_request");
      }
    }
  });

  test("a cursor is sealed with the deployment's key: a store with another key refuses it", async () => {
    const admin = await populatedOrganization();
    const page = await h.store.listServiceUsers(admin.orgId, 1, undefined);
    const otherKey = new DynamoDbTokenStore(h.documentClient, h.tables, { cursorKey: "another-deployment-".padEnd(48, "k") });
    await expect(otherKey.listServiceUsers(admin.orgId, 1, page.nextCursor!)).rejects.toMatchObject({ code: "invalid_request" });
    // The same key takes it.
    expect((await h.store.listServiceUsers(admin.orgId, 1, page.nextCursor!)).items).toHaveLength(1);
  });
});

describe("paging", () => {
  test("every item exactly once, in the list's order, at any page size; the same cursor gives the same page", async () => {
    const admin = await populatedOrganization();
    for (const list of LIST_NAMES) {
      const whole = await lists[list](admin.orgId, 200);
      expect(whole.nextCursor, list).toBeNull();
      expect(whole.items.length, list).toBeGreaterThanOrEqual(5);
      for (const limit of [1, 2, 3, whole.items.length - 1, whole.items.length]) {
        const { items, pages } = await allPages(list, admin.orgId, limit);
        expect(items, `${list} limit ${limit}`).toEqual(whole.items);
        expect(new Set(items).size).toBe(items.length);
        // Full pages until the last, which is never an empty page to fetch.
        expect(
          pages.slice(0, -1).every((p) => p.items.length === limit),
          `${list} limit ${limit}`,
        ).toBe(true);
        expect(pages.at(-1)!.items.length, `${list} limit ${limit}`).toBeGreaterThan(0);
      }
      const first = await lists[list](admin.orgId, 2);
      const second = await lists[list](admin.orgId, 2, first.nextCursor!);
      expect(await lists[list](admin.orgId, 2, first.nextCursor!), list).toEqual(second);
    }
  });

  test("a cursor still works when the item it stopped at is gone (a revoked token, a deleted service user)", async () => {
    const admin = await populatedOrganization();
    const tokens = (await lists["admin-tokens"](admin.orgId, 200)).items;
    const first = await lists["admin-tokens"](admin.orgId, 2);
    await organizationTokens.revoke(admin, first.items[1]!);
    const rest = await allPages("admin-tokens", admin.orgId, 200);
    expect(rest.items).toEqual(tokens.filter((id) => id !== first.items[1]));
    const next = await lists["admin-tokens"](admin.orgId, 200, first.nextCursor!);
    expect(next.items).toEqual(tokens.slice(2));

    const sus = (await lists["service-users"](admin.orgId, 200)).items;
    const firstSus = await lists["service-users"](admin.orgId, 2);
    await serviceUsers.delete(admin, firstSus.items[1]!);
    expect((await lists["service-users"](admin.orgId, 200, firstSus.nextCursor!)).items).toEqual(sus.slice(2));
  });
});

describe("a page is never empty unless it is the last", () => {
  /**
   * Tokens in the organization-wide index, newest first: `expired` expired ones (never used), then `live`
   * older ones that were used recently. Expired tokens stay in the index until something records them.
   */
  async function expiredBeforeLive(expired: number, live: number) {
    const admin = await newAdmin();
    const makeTokens = async (count: number, prefix: string) => {
      const made: { id: string; secret: string }[] = [];
      for (let person = 0; made.length < count; person++) {
        const member = await h.addMember(admin.orgId, `${prefix}${person}`);
        for (let i = 0; i < 10 && made.length < count; i++) {
          const { token, secret } = await h.userTokens.generate({ ...member, name: `${prefix}${person}-${i}` });
          made.push({ id: token.id, secret });
        }
      }
      return made;
    };
    const liveTokens = await makeTokens(live, "live");
    h.clock.advance(1);
    const expiredTokens = await makeTokens(expired, "idle");
    // 29 days on the live ones are used; 2 days later the idle ones are 31 days unused.
    h.clock.advance(29 * DAY_SECONDS);
    for (const { secret } of liveTokens) expect((await h.verifier.verify({ token: secret })).valid).toBe(true);
    h.clock.advance(2 * DAY_SECONDS);
    return { admin, live: liveTokens.map((t) => t.id).reverse(), expired: expiredTokens.map((t) => t.id) };
  }

  const expiredRecords = async (orgId: string) =>
    (await h.store.listActivity(orgId, 200, undefined)).items.filter((e) => e.action === "token.expired").map((e) => e.tokenId);

  test("admin/tokens: 30 expired tokens before the live ones, limit=5: no empty page with a cursor, every live token once", async () => {
    const { admin, live, expired } = await expiredBeforeLive(30, 12);
    const { items, pages } = await allPages("admin-tokens", admin.orgId, 5);
    expect(items).toEqual(live);
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    // The expired ones found on the way got their record, once each, and are out of the index.
    expect((await expiredRecords(admin.orgId)).sort()).toEqual([...expired].sort());
    expect((await h.store.listOrganizationTokens(admin.orgId, 200, undefined)).items.map((t) => t.id)).toEqual(live);
  });

  test("admin/tokens: only expired tokens: one empty last page; limit=1 skips any run of expired tokens", async () => {
    const onlyExpired = await expiredBeforeLive(25, 0);
    expect(await lists["admin-tokens"](onlyExpired.admin.orgId, 5)).toEqual({ items: [], nextCursor: null });
    expect(await expiredRecords(onlyExpired.admin.orgId)).toHaveLength(25);

    const { admin, live } = await expiredBeforeLive(25, 3);
    const { items, pages } = await allPages("admin-tokens", admin.orgId, 1);
    expect(items).toEqual(live);
    expect(pages.map((p) => p.items.length)).toEqual([1, 1, 1]);
  });

  test("admin/tokens: expired tokens after a full page and at the end: the last live token's page says so", async () => {
    // Newest first: 3 live, 22 expired, 3 older live, and the last page ends on live tokens.
    const { admin } = await expiredBeforeLive(22, 3);
    const newer = await h.addMember(admin.orgId, "newer");
    const newest = [];
    for (let i = 0; i < 3; i++) newest.push((await h.userTokens.generate({ ...newer, name: `newest ${i}` })).token.id);
    const everyLive = (await lists["admin-tokens"](admin.orgId, 200)).items;
    expect(everyLive).toHaveLength(6);
    expect(everyLive.slice(0, 3)).toEqual(newest.reverse());
    const { items, pages } = await allPages("admin-tokens", admin.orgId, 3);
    expect(items).toEqual(everyLive);
    expect(pages.every((p) => p.items.length > 0)).toBe(true);
  });

  test("service users and activity fill every page up to the limit, even past DynamoDB's 1 MB per query", async () => {
    const admin = await newAdmin();
    // About 10 KB each: 120 of them are more than one query's 1 MB.
    const permissions = Array.from({ length: 100 }, (_, i) => `permission-${i}-`.padEnd(100, "x"));
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      ids.push((await serviceUsers.create(admin, { name: `big ${i}`, permissions })).id);
      h.clock.advance(1);
    }
    const { items, pages } = await allPages("service-users", admin.orgId, 200);
    expect(items).toEqual(ids);
    expect(pages).toHaveLength(1);
    const byHundred = await allPages("service-users", admin.orgId, 100);
    expect(byHundred.pages.map((p) => p.items.length)).toEqual([100, 20]);
    // The activity log holds the same 10 KB per creation (the permissions are in each record's detail): one
    // `service_user.created` each.
    const activity = await allPages("activity", admin.orgId, 150);
    expect(activity.pages.map((p) => p.items.length)).toEqual([120]);
  });
});
