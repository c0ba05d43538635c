/**
 * The 10-token limit under contention (API.md: "Contention alone never gives 503: concurrent generates each
 * end in 201 or 409"), and inactivity expiry through the local test clock (API.md "Using a token": `expiresAt`
 * is 30 days after the last use; "Local mode only": the test clock).
 *
 * The server's clock is process-wide: only the last test of this file moves it, and it runs alone, in order.
 */
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import {
  DAY_SECONDS,
  THIRTY_DAYS_MS,
  expectError,
  expectLocked,
  generate,
  generateOk,
  list,
  login,
  newPerson,
  revoke,
  useLocalService,
  verify,
  type Created,
  type Person,
  countStatuses,
} from "./e2e-support.ts";

const ctx = useLocalService();


describe("the token limit under contention", () => {
  test("50 simultaneous generates for one person: exactly 10 × 201 and 40 × 409; after 2 revokes, 2 more", async () => {
    const { api } = ctx;
    const person = await newPerson(api);

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => generate(api, person, { name: `concurrent ${i}`, password: person.password })),
    );
    expect(countStatuses(responses)).toEqual({ 201: 10, 409: 40 });
    for (const response of responses.filter((r) => r.status === 409)) expectError(response, 409, "token_limit_reached");
    const createdIds = responses.filter((r) => r.status === 201).map((r) => r.body.token.id);
    expect(new Set(createdIds).size).toBe(10);

    const listed = await list(api, person);
    expect(listed.body.tokens).toHaveLength(10);
    expect(new Set(listed.body.tokens.map((t) => t.id))).toEqual(new Set(createdIds));
    // Every token that was answered 201 works.
    for (const response of responses.filter((r) => r.status === 201)) {
      expect((await verify(api, { token: response.body.secret })).body).toMatchObject({ valid: true, tokenId: response.body.token.id });
    }

    for (const id of createdIds.slice(0, 2)) expect((await revoke(api, person, id)).status).toBe(204);
    const three = await Promise.all(
      [1, 2, 3].map((i) => generate(api, person, { name: `after revoke ${i}`, password: person.password })),
    );
    expect(countStatuses(three)).toEqual({ 201: 2, 409: 1 });
    expectError(three.find((r) => r.status === 409)!, 409, "token_limit_reached");

    const final = (await list(api, person)).body.tokens;
    expect(final).toHaveLength(10);
    expect(final.map((t) => t.id)).not.toContain(createdIds[0]);
    expect(final.map((t) => t.id)).not.toContain(createdIds[1]);
  });

  // API.md "Status codes": "Contention alone never gives 503 or 429: up to 100 concurrent generates for one
  // person with the right password each end in 201 or 409". Their password checks run 5 at a time (the
  // throttle's places); the others wait for a place instead of answering 429.
  test("100 simultaneous generates with the right password: exactly 10 × 201 and 90 × 409, never 429", { timeout: 60_000 }, async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => generate(api, person, { name: `hundred ${i}`, password: person.password })),
    );
    expect(countStatuses(responses)).toEqual({ 201: 10, 409: 90 });
    for (const response of responses.filter((r) => r.status === 409)) expectError(response, 409, "token_limit_reached");
    const createdIds = responses.filter((r) => r.status === 201).map((r) => r.body.token.id);
    expect(new Set((await list(api, person)).body.tokens.map((t) => t.id))).toEqual(new Set(createdIds));
    // The checks left nothing behind: the next generate is checked at once (and refused only for the limit).
    expectError(await generate(api, person, { name: "one more", password: person.password }), 409, "token_limit_reached");
  });

  test("simultaneous revokes of one token: exactly one 204, the rest 404", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    const keep = await generateOk(api, person, "keep");
    const responses = await Promise.all(Array.from({ length: 10 }, () => revoke(api, person, token.id)));
    expect(countStatuses(responses)).toEqual({ 204: 1, 404: 9 });
    for (const response of responses.filter((r) => r.status === 404)) expectError(response, 404, "not_found");
    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([keep.token.id]);
  });

  test("simultaneous generates in two organizations: each organization has its own limit of 10", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const orgB = `${person.orgId}-b`;
    await api.upsertMember({ orgId: orgB, userId: person.userId, name: person.name });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        generate(api, person, { name: `t${i}`, password: person.password }, i % 2 === 0 ? person.orgId : orgB),
      ),
    );
    const inA = responses.filter((_, i) => i % 2 === 0);
    const inB = responses.filter((_, i) => i % 2 === 1);
    expect(countStatuses(inA)).toEqual({ 201: 10, 409: 5 });
    expect(countStatuses(inB)).toEqual({ 201: 10, 409: 5 });
    expect((await list(api, person)).body.tokens).toHaveLength(10);
    expect((await list(api, person, orgB)).body.tokens).toHaveLength(10);
  });

  test("tokens generated while the member's access changes all carry the new access", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { permissions: ["old"], groups: ["old-group"] });
    const [, ...created] = await Promise.all([
      api.upsertMember({ orgId: person.orgId, userId: person.userId, name: "Renamed", permissions: ["new"], sites: ["new-site"] }),
      ...Array.from({ length: 8 }, (_, i) => generate(api, person, { name: `during ${i}`, password: person.password })),
    ]);
    for (const response of created) {
      expect(response!.status, response!.text).toBe(201);
      expect((await verify(api, { token: (response!.body as Created).secret })).body).toMatchObject({
        valid: true,
        principal: { name: "Renamed" },
        permissions: ["new"],
        groups: [],
        sites: ["new-site"],
      });
    }
  });
});

describe("password throttling under contention", () => {
  // A lock read before the check and written after it would let every simultaneous guess through. API.md
  // "Password throttling": "5 failed password checks in a row ... lock that person's token generation ...:
  // every generate then answers 429, even with the right password."
  test("30 simultaneous wrong passwords: at most 5 are checked, the rest are 429", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => generate(api, person, { name: "guess", password: `guess-${i}` })),
    );
    const counts = countStatuses(responses);
    expect(counts[403] ?? 0).toBeLessThanOrEqual(5);
    expect((counts[403] ?? 0) + (counts[429] ?? 0)).toBe(30);
    for (const response of responses.filter((r) => r.status === 429)) expectLocked(response);
  });

  test("simultaneous wrong passwords end in 403 or 429 and leave the person locked", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => generate(api, person, { name: "guess", password: `guess-${i}` })),
    );
    for (const response of responses) {
      if (response.status === 403) expectError(response, 403, "invalid_password");
      else expectLocked(response);
    }
    expectLocked(await generate(api, person, { name: "right", password: person.password }));
  });
});

describe("inactivity expiry through the test clock", () => {
  const serverNow = async (api: ApiClient) => Date.parse((await api.request<{ now: string }>("GET", "/local/clock")).body.now);
  /** Moves the server's clock to `target` (ms), or just past it (whole seconds). */
  const advanceTo = async (api: ApiClient, target: number) => {
    const seconds = Math.ceil((target - (await serverNow(api))) / 1000);
    expect(seconds).toBeGreaterThan(0);
    return Date.parse(await api.advanceClock(seconds));
  };
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
    const probe = await generateOk(api, ada, "verified a minute before expiry");
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
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true });
    expect((await login(api, usedByLogin.secret)).status).toBe(200);
    const day20 = await serverNow(api);
    const atDay20 = (await list(api, ada)).body.tokens;
    for (const { token } of [usedByVerify, usedByLogin]) {
      const listed = byId(atDay20, token.id)!;
      expect(Math.abs(Date.parse(listed.lastUsedAt!) - day20)).toBeLessThan(5_000);
      expect(Math.abs(Date.parse(listed.expiresAt) - Date.parse(listed.lastUsedAt!) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
      expect(Date.parse(listed.expiresAt)).toBeGreaterThan(Date.parse(token.expiresAt) + 19 * DAY_SECONDS * 1000);
    }

    // A minute before the idle tokens expire: all still active, listed and counted.
    await advanceTo(api, Date.parse(probe.token.expiresAt) - 60_000);
    await refreshSessions(ada, bob);
    expect((await list(api, ada)).body.tokens.map((t) => t.name)).toEqual([
      "idle, then a login",
      "idle",
      "verified a minute before expiry",
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
      "verified a minute before expiry",
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
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true, tokenId: usedByVerify.token.id });
    expect((await login(api, usedByLogin.secret)).body).toEqual({ orgId: ada.orgId, user: { id: ada.userId, name: ada.name } });
    const day45 = await serverNow(api);
    const atDay45 = (await list(api, ada)).body.tokens;
    for (const { token } of [usedByVerify, usedByLogin]) {
      const listed = byId(atDay45, token.id)!;
      expect(Math.abs(Date.parse(listed.lastUsedAt!) - day45)).toBeLessThan(5_000);
      expect(Math.abs(Date.parse(listed.expiresAt) - (day45 + THIRTY_DAYS_MS))).toBeLessThan(5_000);
    }
    // The probe was used a minute before day 30, so it lives until day 60.
    expect((await verify(api, { token: probe.secret })).body).toMatchObject({ valid: true });

    // The recorded last use may lag real use by at most 5 minutes.
    await api.advanceClock(6 * 60);
    expect((await verify(api, { token: usedByVerify.secret })).body).toMatchObject({ valid: true });
    const now = await serverNow(api);
    const lagging = byId((await list(api, ada)).body.tokens, usedByVerify.token.id)!;
    expect(now - Date.parse(lagging.lastUsedAt!)).toBeLessThanOrEqual(5 * 60_000);
  });
});
