/**
 * The rules that need time to pass, through the local test clock (API.md "Local mode only": `POST /local/clock`),
 * one end-to-end smoke each; the domain proves them in detail (test/integration/user-tokens.test.ts,
 * activity.test.ts, list-cursors.test.ts) and the model-based test under every order:
 *  - inactivity expiry: `expiresAt` is 30 days after the last use (API.md "Using a token");
 *  - `token.expired` in the activity log, once, by the first request that finds a token expired;
 *  - password throttling: the 429 lock, its `Retry-After`, and its end.
 *
 * The clock is the whole server's: this file has its own server (every other e2e file shares one whose clock
 * never moves), and its tests run in order, each measuring time from the server's clock, never the machine's.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import {
  DAY_SECONDS,
  THIRTY_DAYS_MS,
  adminTokenPath,
  createServiceUserOk,
  expectError,
  expectLocked,
  generate,
  generateOk,
  generateServiceUserTokenOk,
  list,
  listOrganizationTokens,
  listServiceUserTokens,
  listServiceUsers,
  login,
  newAdmin,
  newPerson,
  revoke,
  serverNow,
  signInAgain,
  useLocalService,
  verify,
  type Created,
  type Person,
} from "./e2e-support.ts";
import { ISO_UTC, SYSTEM, expectEventShapes, expectNothingSecret, wholeActivity } from "./activity-support.ts";

const ctx = useLocalService();

/** API.md "Password throttling": the lock lasts 15 minutes from the last failure. */
const LOCK_MS = 15 * 60_000;

/** Moves the server's clock to `target` (ms), or just past it (whole seconds). */
async function advanceTo(api: ApiClient, target: number): Promise<number> {
  const seconds = Math.ceil((target - (await serverNow(api))) / 1000);
  expect(seconds).toBeGreaterThan(0);
  return Date.parse(await api.advanceClock(seconds));
}

describe("inactivity expiry through the test clock", () => {
  const byId = <T extends { id: string }>(tokens: T[], id: string) => tokens.find((t) => t.id === id);

  test("used tokens live on, idle ones expire after 30 days, expired tokens neither list nor count", async () => {
    const { api } = ctx;
    const ada = await newPerson(api);
    const bob = await newPerson(api);
    const refreshSessions = async (...people: Person[]) => {
      for (const p of people) p.session = await api.signIn(p.email, p.password);
    };

    // Day 0.
    const usedByVerify = await generateOk(api, ada, "used by verify at day 20");
    const usedByLogin = await generateOk(api, ada, "used by login at day 20");
    const probe = await generateOk(api, ada, "verified shortly before expiry");
    const idle = await generateOk(api, ada, "idle");
    const idleLogin = await generateOk(api, ada, "idle, then a login");
    const revokedIdle = await generateOk(api, ada, "revoked, then idle");
    expect((await revoke(api, ada, revokedIdle.token.id)).status).toBe(204);
    const bobs: Created[] = [];
    for (let i = 0; i < 10; i++) bobs.push(await generateOk(api, bob, `bob ${i}`));
    const day0 = Date.parse(usedByVerify.token.createdAt);
    const lastExpiry = Math.max(...[idle, idleLogin, ...bobs].map((c) => Date.parse(c.token.expiresAt)));

    // Day 20: sessions from day 0 have expired; the tokens have not.
    await advanceTo(api, day0 + 20 * DAY_SECONDS * 1000);
    expectError(await list(api, ada), 401, "unauthenticated");
    await refreshSessions(ada, bob);
    const beforeUseAtDay20 = await serverNow(api);
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true });
    expect((await login(api, usedByLogin.secret)).status).toBe(200);
    const day20 = await serverNow(api);
    const atDay20 = (await list(api, ada)).body.tokens;
    for (const { token } of [usedByVerify, usedByLogin]) {
      const listed = byId(atDay20, token.id)!;
      // Used between the two readings of the server's clock (however slowly the machine answered).
      expect(Date.parse(listed.lastUsedAt!)).toBeGreaterThanOrEqual(beforeUseAtDay20);
      expect(Date.parse(listed.lastUsedAt!)).toBeLessThanOrEqual(day20);
      expect(Math.abs(Date.parse(listed.expiresAt) - Date.parse(listed.lastUsedAt!) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
      expect(Date.parse(listed.expiresAt)).toBeGreaterThan(Date.parse(token.expiresAt) + 19 * DAY_SECONDS * 1000);
    }

    // Shortly before the idle tokens expire: all still active, listed and counted. (Ten minutes before, not one:
    // the server's clock runs on with the machine's, and a loaded machine may take a minute over these requests.)
    await advanceTo(api, Date.parse(probe.token.expiresAt) - 10 * 60_000);
    await refreshSessions(ada, bob);
    expect((await list(api, ada)).body.tokens.map((t) => t.name)).toEqual([
      "idle, then a login",
      "idle",
      "verified shortly before expiry",
      "used by login at day 20",
      "used by verify at day 20",
    ]);
    expect((await list(api, bob)).body.tokens).toHaveLength(10);
    expectError(await generate(api, bob, { name: "no room yet", password: bob.password }), 409, "token_limit_reached");
    expect((await verify(api, { token: probe.secret })).body).toMatchObject({ valid: true, tokenId: probe.token.id });

    // A minute after they expired.
    await advanceTo(api, lastExpiry + 60_000);
    expect((await verify(api, { token: idle.secret })).body).toEqual({ valid: false, reason: "expired" });
    expect((await verify(api, { token: idle.secret, orgId: ada.orgId })).body).toEqual({ valid: false, reason: "expired" });
    // wrong_org comes before expired, revoked before expired.
    expect((await verify(api, { token: idle.secret, orgId: bob.orgId })).body).toEqual({ valid: false, reason: "wrong_org" });
    expect((await verify(api, { token: revokedIdle.secret })).body).toEqual({ valid: false, reason: "revoked" });
    expectError(await login(api, idleLogin.secret), 401, "unauthenticated");
    // A failed verification or login is no use: still expired.
    expect((await verify(api, { token: idleLogin.secret })).body).toEqual({ valid: false, reason: "expired" });
    for (const { secret } of bobs) expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "expired" });

    expect((await list(api, ada)).body.tokens.map((t) => t.name)).toEqual([
      "verified shortly before expiry",
      "used by login at day 20",
      "used by verify at day 20",
    ]);
    // Bob's ten expired tokens are neither listed nor counted: ten new ones fit, the eleventh does not.
    expect((await list(api, bob)).body.tokens).toEqual([]);
    const fresh: string[] = [];
    for (let i = 0; i < 10; i++) fresh.push((await generateOk(api, bob, `fresh ${i}`)).token.id);
    expectError(await generate(api, bob, { name: "eleventh", password: bob.password }), 409, "token_limit_reached");
    expect(new Set((await list(api, bob)).body.tokens.map((t) => t.id))).toEqual(new Set(fresh));

    // Day 45: the tokens used at day 20 are still valid, and using them moves their expiry again.
    await advanceTo(api, day0 + 45 * DAY_SECONDS * 1000);
    await refreshSessions(ada);
    const beforeUseAtDay45 = await serverNow(api);
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true, tokenId: usedByVerify.token.id });
    expect((await login(api, usedByLogin.secret)).body).toEqual({ orgId: ada.orgId, user: { id: ada.userId, name: ada.name } });
    const day45 = await serverNow(api);
    const atDay45 = (await list(api, ada)).body.tokens;
    for (const { token } of [usedByVerify, usedByLogin]) {
      const listed = byId(atDay45, token.id)!;
      expect(Date.parse(listed.lastUsedAt!)).toBeGreaterThanOrEqual(beforeUseAtDay45);
      expect(Date.parse(listed.lastUsedAt!)).toBeLessThanOrEqual(day45);
      expect(Math.abs(Date.parse(listed.expiresAt) - Date.parse(listed.lastUsedAt!) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
    }
    // The probe was used shortly before day 30, so it lives until about day 60.
    expect((await verify(api, { token: probe.secret })).body).toMatchObject({ valid: true });

    // The recorded last use may lag real use by at most 5 minutes.
    await api.advanceClock(6 * 60);
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true });
    const now = await serverNow(api);
    const lagging = byId((await list(api, ada)).body.tokens, usedByVerify.token.id)!;
    expect(now - Date.parse(lagging.lastUsedAt!)).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe("token.expired (moves the server's clock: last in this file)", () => {
  test("recorded once per token by System with reason inactivity: the hourly job run by the clock move found them first", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada" });
    const [bob, carol, dave, erin] = await Promise.all(
      ["Bob", "Carol", "Dave", "Erin"].map((name) => newPerson(api, { orgId: admin.orgId, name })),
    );
    const robotA = await createServiceUserOk(api, admin, "Robot A");
    const robotB = await createServiceUserOk(api, admin, "Robot B");
    const idle = {
      byVerify: await generateOk(api, bob!, "found by a verification"),
      byLogin: await generateOk(api, carol!, "found by a login"),
      byOwnList: await generateOk(api, dave!, "found by its owner's list"),
      byGenerate: await generateOk(api, erin!, "found by its owner's generate"),
      byServiceUserTokens: await generateServiceUserTokenOk(api, admin, robotB.id, "found by its service user's token list"),
      byAdminList: await generateServiceUserTokenOk(api, admin, robotA.id, "found by the organization-wide view"),
    };
    const usedUser = await generateOk(api, bob!, "used user token");
    const usedRobot = await generateServiceUserTokenOk(api, admin, robotA.id, "used robot token");

    // Day 20: two are used. Day 31: the others have been idle for over 30 days.
    await api.advanceClock(20 * DAY_SECONDS);
    expect((await verify(api, { token: usedUser.secret })).body).toMatchObject({ valid: true });
    expect((await verify(api, { token: usedRobot.secret })).body).toMatchObject({ valid: true });
    const beforeMove = await serverNow(api);
    const moved = Date.parse(await api.advanceClock(11 * DAY_SECONDS));
    const afterMove = await serverNow(api);
    await signInAgain(api, admin, bob!, carol!, dave!, erin!);
    const expiredRecords = async () => (await wholeActivity(api, admin)).events.filter((e) => e.action === "token.expired");

    // The clock move ran the hourly job over the skipped days: it recorded each expiry, once, by the service's
    // (moved) clock. (That each request path records an expiry it finds first is proven in the integration tests,
    // where no job runs: test/integration/activity.test.ts, rules-lists-and-activity.test.ts.)
    const records = await expiredRecords();
    expect(records.map((e) => e.tokenId).sort()).toEqual(
      Object.values(idle)
        .map((c) => c.token.id)
        .sort(),
    );
    for (const record of records) {
      expect(record).toEqual({
        at: expect.stringMatching(ISO_UTC),
        action: "token.expired",
        actor: SYSTEM,
        tokenId: record.tokenId,
        detail: expect.objectContaining({ reason: "inactivity" }),
      });
      // After the move's new time, before its answer.
      expect(Date.parse(record.at)).toBeGreaterThan(Math.max(beforeMove, moved - 1000));
      expect(Date.parse(record.at)).toBeLessThanOrEqual(afterMove);
    }

    // Every request path then finds them expired and records nothing more.
    expect((await verify(api, { token: idle.byVerify.secret })).body).toEqual({ valid: false, reason: "expired" });
    expectError(await login(api, idle.byLogin.secret), 401, "unauthenticated");
    expect((await list(api, dave!)).body.tokens).toEqual([]);
    expect((await generate(api, erin!, { name: "fresh", password: erin!.password })).status).toBe(201);
    expect((await listServiceUserTokens(api, admin, robotB.id)).body.tokens).toEqual([]);
    expect((await listOrganizationTokens(api, admin)).body.tokens.map((t) => t.id)).not.toContain(idle.byAdminList.token.id);
    expect(await expiredRecords()).toEqual(records);

    // Many more requests find them expired: still one record each.
    for (const created of Object.values(idle)) {
      for (let i = 0; i < 2; i++) {
        expect((await verify(api, { token: created.secret })).body).toEqual({ valid: false, reason: "expired" });
        expectError(await login(api, created.secret), 401, "unauthenticated");
      }
    }
    expect((await list(api, bob!)).body.tokens.map((t) => t.id)).toEqual([usedUser.token.id]);
    expect((await listServiceUserTokens(api, admin, robotA.id)).body.tokens.map((t) => t.id)).toEqual([usedRobot.token.id]);
    expect(Object.fromEntries((await listServiceUsers(api, admin)).body.serviceUsers.map((s) => [s.name, s.activeTokenCount]))).toEqual({
      "Robot A": 1,
      "Robot B": 0,
    });
    expect((await listOrganizationTokens(api, admin, { limit: 1 })).status).toBe(200);
    expect((await generate(api, bob!, { name: "fresh", password: bob!.password })).status).toBe(201);
    expectError(
      await api.request("DELETE", adminTokenPath(admin.orgId, idle.byVerify.token.id), { bearer: admin.session }),
      404,
      "not_found",
    );
    expectError(await revoke(api, bob!, idle.byVerify.token.id), 404, "not_found");

    const { events, texts } = await wholeActivity(api, admin, 3);
    expectEventShapes(events);
    const expired = events.filter((e) => e.action === "token.expired");
    expect(expired.map((e) => e.tokenId).sort()).toEqual(
      Object.values(idle)
        .map((c) => c.token.id)
        .sort(),
    );
    for (const event of expired) expect(event).toMatchObject({ actor: SYSTEM, detail: { reason: "inactivity" } });
    // The used tokens did not expire and were not revoked.
    for (const { token } of [usedUser, usedRobot]) {
      expect(events.filter((e) => e.tokenId === token.id).map((e) => e.action)).toEqual(["token.created"]);
    }
    expectNothingSecret(
      texts,
      [...Object.values(idle), usedUser, usedRobot].map((c) => c.secret),
      [admin, bob!, carol!, dave!, erin!].map((p) => p.password),
    );
  });
});

describe("429 too_many_attempts", () => {
  const api = () => ctx.api;
  const wrong = (person: Person) => generate(api(), person, { name: "x", password: `wrong-${randomUUID()}` });
  const right = (person: Person, orgId = person.orgId) => generate(api(), person, { name: "right", password: person.password }, orgId);

  test("5 wrong passwords lock generation for 15 minutes; lists and revokes keep working", async () => {
    const person = await newPerson(api());
    const before = await generateOk(api(), person, "made before the lock");

    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    // A missing password counts as a failure too: this is the 5th.
    const beforeLastFailure = await serverNow(api());
    expectError(await generate(api(), person, { name: "x" }), 403, "invalid_password");
    const afterLastFailure = await serverNow(api());

    expectLocked(await right(person));
    expectLocked(await wrong(person));
    expectLocked(await generate(api(), person, { name: "x" }));
    // Precedence: a bad body is still 400.
    expectError(await generate(api(), person, { name: "", password: person.password }), 400, "invalid_request");

    // Nothing else is locked.
    const listed = await list(api(), person);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((t) => t.id)).toEqual([before.token.id]);
    expect((await verify(api(), { token: before.secret })).body).toMatchObject({ valid: true });
    expect((await login(api(), before.secret)).status).toBe(200);
    expect((await revoke(api(), person, before.token.id)).status).toBe(204);

    // Still locked a minute before the 15 minutes are up (on the server's clock) ...
    await advanceTo(api(), beforeLastFailure + LOCK_MS - 60_000);
    expectLocked(await right(person));
    // ... and free after them.
    await advanceTo(api(), afterLastFailure + LOCK_MS + 1000);
    const after = await right(person);
    expect(after.status, after.text).toBe(201);
    expect((await list(api(), person)).body.tokens.map((t) => t.id)).toEqual([after.body.token.id]);

    // The success reset the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    expect((await right(person)).status).toBe(201);
  });

  // API.md "Status codes": the 429 "carries `Retry-After` (seconds)"; "Password throttling": the lock lasts
  // "15 minutes from the last failure". Waiting what it says is enough, and a little less is not.
  test("every 429 carries Retry-After: the whole seconds until the lock ends", async () => {
    const now = () => serverNow(api());
    const person = await newPerson(api());
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    const beforeLastFailure = await now();
    expectError(await wrong(person), 403, "invalid_password");
    const afterLastFailure = await now();

    const beforeLocked = await now();
    const seconds = expectLocked(await right(person));
    const afterLocked = await now();
    // The lock ends 15 minutes after the last failure; Retry-After counts from the answer to that end.
    expect(seconds).toBeGreaterThanOrEqual(Math.floor((beforeLastFailure + LOCK_MS - afterLocked) / 1000));
    expect(seconds).toBeLessThanOrEqual(Math.ceil((afterLastFailure + LOCK_MS - beforeLocked) / 1000));
    // A wrong or a missing password while locked is told the same end (it is not checked, nor counted).
    for (const response of [await wrong(person), await generate(api(), person, { name: "x" })]) {
      const beforeAgain = await now();
      const again = expectLocked(response);
      expect(again).toBeLessThanOrEqual(seconds);
      expect(again).toBeGreaterThanOrEqual(Math.floor((beforeLastFailure + LOCK_MS - beforeAgain) / 1000) - 1);
    }

    // A minute before the end (on the server's clock) it is still locked, and Retry-After counts the rest down.
    await advanceTo(api(), beforeLastFailure + LOCK_MS - 60_000);
    const beforeRest = await now();
    const rest = expectLocked(await right(person));
    expect(rest).toBeLessThanOrEqual(Math.ceil((afterLastFailure + LOCK_MS - beforeRest) / 1000));
    // Waiting what Retry-After says is enough.
    await api().advanceClock(rest);
    const after = await right(person);
    expect(after.status, after.text).toBe(201);
  });
});
