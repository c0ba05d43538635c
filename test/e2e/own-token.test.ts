/**
 * API.md "An integration's own token": `GET /v1/token` (what am I; counts as use) and `DELETE /v1/token` (revoke
 * myself), both authenticated by the API token itself, for both kinds; 401 for anything that is not a live API
 * token. Its own server: the expiry and the use-recording interval need the test clock.
 */
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import {
  DAY_SECONDS,
  USER_PREFIX,
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserTokenOk,
  list,
  listActivity,
  newAdmin,
  newPerson,
  revoke,
  useLocalService,
  verify,
} from "./e2e-support.ts";
import { changeCharAt, withValidChecksum } from "./token-forgery.ts";

const ctx = useLocalService();

const getOwn = (api: ApiClient, headers: Record<string, string>) => api.request("GET", "/v1/token", { headers });
const deleteOwn = (api: ApiClient, headers: Record<string, string>) => api.request("DELETE", "/v1/token", { headers });
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe("GET /v1/token", () => {
  test("a user token: itself, its organization and its owner; the first use is recorded at once", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person, "CI export");
    expect(token.lastUsedAt).toBeNull();

    const response = await getOwn(api, bearer(secret));
    expect(response.status, response.text).toBe(200);
    const body = response.body;
    expect(body).toEqual({
      token: { ...token, lastUsedAt: expect.any(String), expiresAt: expect.any(String) },
      orgId: person.orgId,
      principal: { type: "user", id: person.userId, name: person.name },
    });
    // Use pushes the expiry to 30 days after it.
    expect(Date.parse(body.token.expiresAt) - Date.parse(body.token.lastUsedAt)).toBeGreaterThanOrEqual(30 * DAY_SECONDS * 1000 - 1000);
    expect(JSON.stringify(body)).not.toContain(secret);
    // The list shows the same recorded use.
    const listed = (await list(api, person)).body.tokens.find((t) => t.id === token.id);
    expect(listed?.lastUsedAt).toBe(body.token.lastUsedAt);
  });

  test("a service-user token: the service user is the principal; later uses are recorded within the interval", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const serviceUser = await createServiceUserOk(api, admin, "Nightly sync", ["reports:read"]);
    const { token, secret } = await generateServiceUserTokenOk(api, admin, serviceUser.id, "warehouse");

    const first = await getOwn(api, bearer(secret));
    expect(first.status, first.text).toBe(200);
    expect(first.body.orgId).toBe(admin.orgId);
    expect(first.body.principal).toEqual({ type: "service_user", id: serviceUser.id, name: "Nightly sync" });
    expect(first.body.token).toMatchObject({ id: token.id, kind: "service_user", ownerId: serviceUser.id, name: "warehouse" });
    const firstUse = Date.parse(first.body.token.lastUsedAt);

    // API.md: later uses may lag by at most 5 minutes. After 6, a use is recorded again.
    await api.advanceClock(6 * 60);
    const later = await getOwn(api, bearer(secret));
    expect(later.status).toBe(200);
    expect(Date.parse(later.body.token.lastUsedAt)).toBeGreaterThanOrEqual(firstUse + 6 * 60 * 1000);
  });
});

describe("DELETE /v1/token", () => {
  test("a user token revokes itself: 204, recorded as its owner's act with reason self, then 401 everywhere", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const { token, secret } = await generateOk(api, admin, "leaving soon");
    const kept = await generateOk(api, admin, "kept");

    const response = await deleteOwn(api, bearer(secret));
    expect(response.status, response.text).toBe(204);
    expect(response.text).toBe("");

    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    expectError(await getOwn(api, bearer(secret)), 401, "unauthenticated");
    expectError(await deleteOwn(api, bearer(secret)), 401, "unauthenticated");
    expect((await list(api, admin)).body.tokens.map((t) => t.id)).toEqual([kept.token.id]);

    const events = (await listActivity(api, admin)).body.events.filter((e) => e.tokenId === token.id && e.action === "token.revoked");
    expect(events).toHaveLength(1);
    expect(events[0]?.actor).toEqual({ type: "user", id: admin.userId, name: admin.name });
    expect(events[0]?.detail).toMatchObject({ reason: "self", kind: "user", name: "leaving soon" });
  });

  test("a service-user token revokes itself: the service user is the actor", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const serviceUser = await createServiceUserOk(api, admin, "Airflow");
    const { token, secret } = await generateServiceUserTokenOk(api, admin, serviceUser.id);

    expect((await deleteOwn(api, bearer(secret))).status).toBe(204);
    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    const events = (await listActivity(api, admin)).body.events.filter((e) => e.tokenId === token.id && e.action === "token.revoked");
    expect(events.map((e) => ({ actor: e.actor, reason: e.detail?.reason }))).toEqual([
      { actor: { type: "service_user", id: serviceUser.id, name: "Airflow" }, reason: "self" },
    ]);
  });

  test("takes no body: a body with a field is 400 (after authentication), a bad token with one is 401", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    expectError(await api.request("DELETE", "/v1/token", { headers: bearer(secret), body: { reason: "x" } }), 400, "invalid_request");
    expectError(await api.request("DELETE", "/v1/token", { headers: bearer("atk_user_x"), body: { reason: "x" } }), 401, "unauthenticated");
    expect((await verify(api, { token: secret })).body.valid).toBe(true);
  });
});

describe("both routes: anything but a live API token is 401", () => {
  test("no header, garbage, forged, never issued, revoked, expired, a session JWT", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const live = await generateOk(api, person, "live");
    const revoked = await generateOk(api, person, "revoked");
    expect((await revoke(api, person, revoked.token.id)).status).toBe(204);
    const neverIssued = withValidChecksum(changeCharAt(live.secret, USER_PREFIX.length + 3));

    const cases: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["an empty bearer", { authorization: "Bearer " }],
      ["Basic", { authorization: `Basic ${Buffer.from(`x:${live.secret}`).toString("base64")}` }],
      ["garbage", bearer("not-a-token")],
      ["a changed character", bearer(changeCharAt(live.secret, live.secret.length - 10))],
      ["a never-issued token", bearer(neverIssued)],
      ["a revoked token", bearer(revoked.secret)],
      ["a session (ID token)", bearer(person.session)],
      ["a huge header", bearer(`atk_user_${"A".repeat(8000)}`)],
    ];
    for (const [label, headers] of cases) {
      for (const call of [getOwn, deleteOwn]) {
        const response = await call(api, headers);
        expect.soft(response.status, `${call === getOwn ? "GET" : "DELETE"}: ${label}`).toBe(401);
        expectError(response, 401, "unauthenticated");
      }
    }
    // Nothing was revoked on the way.
    expect((await verify(api, { token: live.secret })).body.valid).toBe(true);

    // Expired: 30 days without use.
    const idle = await generateOk(api, person, "idle");
    await api.advanceClock(31 * DAY_SECONDS);
    expectError(await getOwn(api, bearer(idle.secret)), 401, "unauthenticated");
    expectError(await deleteOwn(api, bearer(idle.secret)), 401, "unauthenticated");
    expect((await verify(api, { token: idle.secret })).body).toEqual({ valid: false, reason: "expired" });
  });
});
