/**
 * How far one list request reads, against a stand-in for DynamoDB's Query on the organization-wide index
 * (Limit, ExclusiveStartKey, LastEvaluatedKey, newest first), so the bounds can be counted exactly: a page
 * that shows something stops reading on after a few queries; a page that has shown nothing yet reads on to
 * the first item to show (or the end), because a page is never empty unless it is the last (API.md).
 */
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, test } from "vitest";
import { DynamoDbTokenStore } from "../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { keyAttributes, keys } from "../../functions/adapters/dynamodb/keys.ts";
import type { TokenRecord } from "../../functions/domain/model.ts";

const ORG = "acme";
const BASE = Date.parse("2026-06-01T00:00:00.000Z");

/** `kinds[i]` is the i-th token newest first: "live" or "expired". */
function fakeIndex(kinds: readonly ("live" | "expired")[]) {
  const items = kinds.map((kind, i): Record<string, unknown> & { id: string; name: string } => {
    const id = `tok${String(i).padStart(13, "0")}`;
    const createdAt = new Date(BASE - i * 1000).toISOString();
    return {
      ...keys.token(id),
      ...keys.tokenByOrganization(ORG, createdAt, id),
      id,
      orgId: ORG,
      kind: "user",
      ownerId: "someone",
      name: kind,
      secretHash: "x",
      hint: "abcd",
      createdAt,
      lastUsedAt: null,
      expiresAt: 0,
      status: "active",
      principal: { name: "Someone", permissions: [], groups: [], sites: [] },
    };
  });
  const { partitionKey, sortKey, indexPartitionKey, indexSortKey } = keyAttributes;
  const queries: { limit: number; returned: number }[] = [];
  const client = {
    async send(command: unknown) {
      if (!(command instanceof QueryCommand)) throw new Error("only Query here");
      const input = command.input;
      const start = input.ExclusiveStartKey;
      let from = 0;
      if (start) {
        // Newest first: everything after the start position in the index's order.
        from = items.findIndex((item) => String(item[indexSortKey]) < String(start[indexSortKey]));
        if (from < 0) from = items.length;
      }
      const limit = input.Limit!;
      const page = items.slice(from, from + limit);
      queries.push({ limit, returned: page.length });
      // Like DynamoDB: reaching Limit gives a LastEvaluatedKey even when nothing follows.
      const last = page.length === limit ? page.at(-1) : undefined;
      return {
        Items: page.map((item) => structuredClone(item)),
        LastEvaluatedKey:
          last && Object.fromEntries([partitionKey, sortKey, indexPartitionKey, indexSortKey].map((name) => [name, last[name]])),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  const store = new DynamoDbTokenStore(
    client,
    { tokens: "tokens", activity: "activity" },
    { cursorKey: "unit-test-cursor-key-0123456789abcdef" },
  );
  const examined: string[] = [];
  /** Like the domain: shows the live ones; remembers every token it was given (the domain records the expired). */
  const visible = async (tokens: readonly TokenRecord[]) => {
    examined.push(...tokens.map((t) => t.id));
    return tokens.filter((t) => t.name === "live");
  };
  const liveIds = items.filter((item) => item.name === "live").map((item) => item.id);
  return { store, queries, visible, examined, liveIds };
}

async function everyPage(index: ReturnType<typeof fakeIndex>, limit: number) {
  const pages: { ids: string[]; next: string | null; queries: number }[] = [];
  let cursor: string | undefined;
  do {
    const before = index.queries.length;
    const page = await index.store.listOrganizationTokens(ORG, limit, cursor, index.visible);
    pages.push({ ids: page.items.map((t) => t.id), next: page.nextCursor, queries: index.queries.length - before });
    if (page.nextCursor !== null) expect(page.items.length).toBeGreaterThan(0);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return pages;
}

const run = (...parts: [number, "live" | "expired"][]) => parts.flatMap(([count, kind]) => Array<"live" | "expired">(count).fill(kind));

describe("reading on past items left out", () => {
  test("one live token, then 1000 expired: the first page stops after 8 queries with a cursor; nothing is lost or repeated", async () => {
    const index = fakeIndex(run([1, "live"], [1000, "expired"], [3, "live"]));
    const pages = await everyPage(index, 5);
    expect(pages[0]!.ids).toEqual([index.liveIds[0]]);
    expect(pages[0]!.next).not.toBeNull();
    expect(pages[0]!.queries).toBe(8);
    // Reads grow while items are left out, up to 200 a query.
    expect(index.queries.slice(0, 8).map((q) => q.limit)).toEqual([6, 12, 24, 48, 96, 192, 200, 200]);
    expect(pages.flatMap((p) => p.ids)).toEqual(index.liveIds);
    expect(pages.at(-1)!.next).toBeNull();
    // Each token was handed to `visible` once (the expired ones get their record once).
    expect(new Set(index.examined).size).toBe(1004);
    expect(index.examined).toHaveLength(1004);
  });

  test("nothing to show yet: it reads on, past that bound, to the first live token rather than answer an empty page with a cursor", async () => {
    const index = fakeIndex(run([1500, "expired"], [2, "live"]));
    const pages = await everyPage(index, 1);
    expect(pages.map((p) => p.ids)).toEqual([[index.liveIds[0]], [index.liveIds[1]]]);
    expect(pages[0]!.queries).toBeGreaterThan(8);
    expect(pages.map((p) => p.next === null)).toEqual([false, true]);
  });

  test("only expired tokens: one empty page, the last", async () => {
    const index = fakeIndex(run([450, "expired"]));
    expect(await everyPage(index, 50)).toEqual([{ ids: [], next: null, queries: expect.any(Number) }]);
  });

  test("full pages around a run of expired tokens, and expired ones at the end: no page to fetch after the last live token", async () => {
    const index = fakeIndex(run([3, "live"], [40, "expired"], [3, "live"], [7, "expired"]));
    const pages = await everyPage(index, 3);
    expect(pages.map((p) => p.ids.length)).toEqual([3, 3]);
    expect(pages.flatMap((p) => p.ids)).toEqual(index.liveIds);
    expect(pages.at(-1)!.next).toBeNull();
  });

  test("nothing left out: one query of limit + 1 per page", async () => {
    const index = fakeIndex(run([10, "live"]));
    const pages = await everyPage(index, 4);
    expect(pages.map((p) => [p.ids.length, p.queries])).toEqual([
      [4, 1],
      [4, 1],
      [2, 1],
    ]);
    expect(index.queries.map((q) => q.limit)).toEqual([5, 5, 5]);
  });
});
