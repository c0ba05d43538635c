/**
 * API.md "Token events out" through the local server (its own: the file moves the clock), read back from
 * `GET /local/published-events`: every lifecycle change publishes its event with the documented detail, one
 * eventId each, sequences growing per token, never a secret or a hash; expiry warnings once per idle stretch.
 */
import { describe, expect, test } from "vitest";
import {
  adminTokenPath,
  createServiceUserOk,
  DAY_SECONDS,
  expectError,
  generateOk,
  generateServiceUserTokenOk,
  newAdmin,
  newPerson,
  revoke,
  serviceUserPath,
  signInAgain,
  tokenPath,
  tokensPath,
  useLocalService,
  verify,
  type Created,
  type Person,
} from "./e2e-support.ts";
import { ISO_UTC } from "./activity-support.ts";

const ctx = useLocalService();

interface Published {
  source: string;
  detailType: string;
  detail: Record<string, unknown> & { eventId: string; sequence: number };
}

/** Reads the bus from the start, or after a cursor. */
async function published(after?: string): Promise<{ events: Published[]; cursor: string }> {
  const response = await ctx.api.request<{ events: Published[]; cursor: string }>(
    "GET",
    `/local/published-events${after === undefined ? "" : `?after=${after}`}`,
  );
  expect(response.status, response.text).toBe(200);
  return response.body;
}
const eventsOf = (events: Published[], tokenId: string) =>
  events.filter((e) => e.detail.tokenId === tokenId || e.detail.oldTokenId === tokenId);

const rotateOk = async (person: Person, tokenId: string, graceSeconds: number): Promise<Created> => {
  const response = await ctx.api.request<Created>("POST", `${tokenPath(person.orgId, tokenId)}/rotate`, {
    bearer: person.session,
    body: { password: person.password, graceSeconds },
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
};

describe("token events", () => {
  test("each change publishes its event once, with the documented detail; sequences grow per token; no secret", async () => {
    const { api } = ctx;
    const start = (await published()).cursor;
    const admin = await newAdmin(api, { name: "Ada" });
    const bob = await newPerson(api, { orgId: admin.orgId, name: "Bob" });
    const robot = await createServiceUserOk(api, admin, "Robot");

    const own = await generateOk(api, bob, "revoked by its owner");
    const byAdmin = await generateOk(api, bob, "revoked by an admin");
    const rotating = await generateOk(api, bob, "rotated with a grace");
    const selfRevoked = await generateServiceUserTokenOk(api, admin, robot.id, "revokes itself");
    const robotToken = await generateServiceUserTokenOk(api, admin, robot.id, "deleted with its service user");

    expect((await revoke(api, bob, own.token.id)).status).toBe(204);
    expect((await api.request("DELETE", adminTokenPath(admin.orgId, byAdmin.token.id), { bearer: admin.session })).status).toBe(204);
    const replacement = await rotateOk(bob, rotating.token.id, 3600);
    expect((await api.request("DELETE", "/v1/token", { bearer: selfRevoked.secret })).status).toBe(204);
    expect((await api.request("DELETE", serviceUserPath(admin.orgId, robot.id), { bearer: admin.session })).status).toBe(204);
    // The grace ends while the clock moves; the hourly job the move runs records it.
    await api.advanceClock(2 * 3600);
    await signInAgain(api, admin, bob);

    const { events } = await published(start);
    for (const event of events) expect(event.source).toBe("api-tokens");
    const kinds = (tokenId: string) => eventsOf(events, tokenId).map((e) => [e.detailType, e.detail.reason ?? null, e.detail.sequence]);
    expect(kinds(own.token.id)).toEqual([
      ["Token Created", null, 1],
      ["Token Revoked", "owner", 2],
    ]);
    expect(kinds(byAdmin.token.id)).toEqual([
      ["Token Created", null, 1],
      ["Token Revoked", "admin", 2],
    ]);
    expect(kinds(rotating.token.id)).toEqual([
      ["Token Created", null, 1],
      ["Token Rotated", null, 2],
      ["Token Revoked", "rotated", 3],
    ]);
    expect(kinds(replacement.token.id)).toEqual([["Token Created", null, 1]]);
    expect(kinds(selfRevoked.token.id)).toEqual([
      ["Token Created", null, 1],
      ["Token Revoked", "self", 2],
    ]);
    expect(kinds(robotToken.token.id)).toEqual([
      ["Token Created", null, 1],
      ["Token Revoked", "service_user_deleted", 2],
    ]);

    // The documented shapes, exactly.
    const created = eventsOf(events, own.token.id)[0]!;
    expect(created.detail).toEqual({
      orgId: admin.orgId,
      tokenId: own.token.id,
      kind: "user",
      ownerId: bob.userId,
      ownerName: "Bob",
      name: "revoked by its owner",
      at: expect.stringMatching(ISO_UTC),
      expiresAt: own.token.expiresAt,
      eventId: expect.any(String),
      sequence: 1,
    });
    const rotated = eventsOf(events, rotating.token.id)[1]!;
    expect(rotated.detail).toEqual({
      orgId: admin.orgId,
      oldTokenId: rotating.token.id,
      newTokenId: replacement.token.id,
      kind: "user",
      ownerId: bob.userId,
      graceEndsAt: expect.stringMatching(ISO_UTC),
      at: expect.stringMatching(ISO_UTC),
      eventId: expect.any(String),
      sequence: 2,
    });
    // An hour after the rotation (which read its clock a moment before stamping the record).
    expect(Date.parse(rotated.detail.graceEndsAt as string) - Date.parse(rotated.detail.at as string)).toBeGreaterThan(3599_000);
    expect(Date.parse(rotated.detail.graceEndsAt as string) - Date.parse(rotated.detail.at as string)).toBeLessThanOrEqual(3600_000);
    const robotCreated = eventsOf(events, robotToken.token.id)[0]!;
    expect(robotCreated.detail).toMatchObject({ kind: "service_user", ownerId: robot.id, ownerName: "Robot" });

    // Every eventId is its own; nothing secret anywhere.
    const ids = events.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const text = JSON.stringify(events);
    for (const secret of [own, byAdmin, rotating, replacement, selfRevoked, robotToken].map((c) => c.secret)) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-20));
    }
    expect(text).not.toMatch(/secretHash|[0-9a-f]{64}/);
    expect(text).not.toContain(bob.password);
  });

  test("changes that fail publish nothing, and each that happens publishes once: races at the limit and on one token", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const start = (await published()).cursor;
    // 25 generates at once: 10 happen (201), 15 fail at the limit (409); a wrong password and a refused
    // rotation fail too.
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        api.request<Created>("POST", tokensPath(person.orgId), {
          bearer: person.session,
          body: { name: `race ${i}`, password: person.password },
        }),
      ),
    );
    const made = answers.filter((a) => a.status === 201).map((a) => a.body.token.id);
    expect(made).toHaveLength(10);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(15);
    expectError(
      await api.request("POST", `${tokenPath(person.orgId, made[0]!)}/rotate`, { bearer: person.session, body: { password: "wrong" } }),
      403,
      "invalid_password",
    );
    // 8 revocations of one token at once: one happens, the others find it revoked.
    const revocations = await Promise.all(Array.from({ length: 8 }, () => revoke(api, person, made[1]!)));
    expect(revocations.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404, 404, 404, 404]);

    const { events } = await published(start);
    const created = events.filter((e) => e.detailType === "Token Created").map((e) => e.detail.tokenId);
    expect(created.sort()).toEqual([...made].sort());
    expect(events.filter((e) => e.detailType === "Token Revoked").map((e) => e.detail.tokenId)).toEqual([made[1]]);
    expect(events.filter((e) => e.detailType === "Token Rotated")).toEqual([]);
  });

  test("the cursor: reading after it gives only what came since; a bad cursor is 400", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { cursor } = await published();
    expect((await published(cursor)).events).toEqual([]);
    const created = await generateOk(api, person, "after the cursor");
    const since = await published(cursor);
    expect(since.events.map((e) => [e.detailType, e.detail.tokenId])).toEqual([["Token Created", created.token.id]]);
    expect(Number(since.cursor)).toBe(Number(cursor) + 1);
    // Reading again changes nothing: the same events, the same cursor (no republication, no loss).
    expect(await published(cursor)).toEqual(since);
    for (const bad of ["-1", "abc", "1.5", "01"]) {
      expectError(await api.request("GET", `/local/published-events?after=${bad}`), 400, "invalid_request");
    }
  });

  test("lifecycle revocations and the organization's deletion publish with their reasons", async () => {
    const { api } = ctx;
    const start = (await published()).cursor;
    const admin = await newAdmin(api);
    const leaving = await newPerson(api, { orgId: admin.orgId });
    const deactivated = await newPerson(api, { orgId: admin.orgId });
    const leaked = await generateOk(api, admin, "leaked");
    const leavingToken = await generateOk(api, leaving, "owner leaves");
    const deactivatedToken = await generateOk(api, deactivated, "owner deactivated");
    const robot = await createServiceUserOk(api, admin, "Robot");
    const robotToken = await generateServiceUserTokenOk(api, admin, robot.id, "organization deleted");
    const occurredAt = () => new Date(Date.now() + 60_000).toISOString();

    expect((await api.request("POST", "/v1/revoke-leaked", { body: { tokens: [leaked.secret] } })).status).toBe(202);
    await api.publish("platform.users", "User Removed From Organization", {
      orgId: admin.orgId,
      userId: leaving.userId,
      occurredAt: occurredAt(),
    });
    await api.publish("platform.users", "User Deactivated", { orgId: admin.orgId, userId: deactivated.userId, occurredAt: occurredAt() });
    await expect.poll(async () => (await verify(api, { token: leaked.secret })).body).toMatchObject({ valid: false });
    await api.publish("platform.organizations", "Organization Deleted", { orgId: admin.orgId, occurredAt: occurredAt() });

    const reasons = async () => {
      const { events } = await published(start);
      return Object.fromEntries(
        [leaked, leavingToken, deactivatedToken, robotToken].map((c) => [
          c.token.id,
          eventsOf(events, c.token.id)
            .filter((e) => e.detailType === "Token Revoked")
            .map((e) => e.detail.reason),
        ]),
      );
    };
    await expect.poll(reasons).toEqual({
      [leaked.token.id]: ["leaked"],
      [leavingToken.token.id]: ["user_removed"],
      [deactivatedToken.token.id]: ["user_deactivated"],
      [robotToken.token.id]: ["organization_deleted"],
    });
  });

  test("Token Expiring Soon: once for a token idle past day 23, none for one in use, none again in the same stretch", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const idle = await generateOk(api, person, "idle");
    const used = await generateOk(api, person, "used daily");
    const revoked = await generateOk(api, person, "revoked");
    expect((await revoke(api, person, revoked.token.id)).status).toBe(204);
    const start = (await published()).cursor;
    const warningsFor = async (created: Created) =>
      eventsOf((await published(start)).events, created.token.id).filter((e) => e.detailType === "Token Expiring Soon");

    // Day by day: the idle token is warned once it has gone 23 days without use, and only then.
    for (let day = 1; day <= 29; day++) {
      await api.advanceClock(DAY_SECONDS);
      expect((await verify(api, { token: used.secret })).body, `day ${day}`).toMatchObject({ valid: true });
      expect(await warningsFor(idle), `day ${day}`).toHaveLength(day < 23 ? 0 : 1);
    }
    const [warning] = await warningsFor(idle);
    expect(warning!.detail).toEqual({
      orgId: person.orgId,
      tokenId: idle.token.id,
      kind: "user",
      ownerId: person.userId,
      ownerName: person.name,
      name: "idle",
      at: expect.stringMatching(ISO_UTC),
      expiresAt: idle.token.expiresAt,
      lastUsedAt: null,
      eventId: expect.any(String),
      sequence: 2,
    });
    expect(await warningsFor(used)).toEqual([]);
    expect(await warningsFor(revoked)).toEqual([]);

    // Used again: a new idle stretch, warned 23 days after that use; then it expires with its own event.
    expect((await verify(api, { token: idle.secret })).body).toMatchObject({ valid: true });
    await api.advanceClock(22 * DAY_SECONDS);
    expect(await warningsFor(idle)).toHaveLength(1);
    await api.advanceClock(2 * DAY_SECONDS);
    expect(await warningsFor(idle)).toHaveLength(2);
    await api.advanceClock(8 * DAY_SECONDS);
    const all = eventsOf((await published(start)).events, idle.token.id);
    expect(all.map((e) => [e.detailType, e.detail.sequence])).toEqual([
      ["Token Expiring Soon", 2],
      ["Token Expiring Soon", 3],
      ["Token Expired", 4],
    ]);
    expect(all[2]!.detail).toMatchObject({ lastUsedAt: expect.stringMatching(ISO_UTC) });
  });
});
