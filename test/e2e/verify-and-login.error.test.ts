/**
 * The errors of API.md's "Status codes and error codes" table for `POST /v1/login` and `POST /v1/verify`: the
 * exact status, code and error shape, the reasons of a failed verification, and the precedence of "When
 * several apply". (The user-token management routes: user-tokens.error.test.ts.)
 */
import { describe, expect, test } from "vitest";
import {
  USER_PREFIX,
  expectError,
  generateOk,
  list,
  login,
  newPerson,
  revoke,
  uniqueId,
  useSharedLocalService,
  verify,
} from "./e2e-support.ts";
import { changeCharAt, isWellFormed, withValidChecksum } from "./token-forgery.ts";

const ctx = useSharedLocalService();
const KiB = 1024;

describe("POST /v1/login", () => {
  test("no header, a malformed, unknown or revoked token, a session: 401 unauthenticated", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    const revoked = await generateOk(api, person, "to revoke");
    expect((await revoke(api, person, revoked.token.id)).status).toBe(204);
    const neverIssued = withValidChecksum(changeCharAt(secret, USER_PREFIX.length + 3));
    expect(isWellFormed(neverIssued)).toBe(true);

    const headers: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["an empty bearer", { authorization: "Bearer " }],
      ["a token without Bearer", { authorization: secret }],
      ["Basic", { authorization: `Basic ${Buffer.from(`x:${secret}`).toString("base64")}` }],
      ["a malformed token", { authorization: "Bearer atk_user_notatoken" }],
      ["a truncated token", { authorization: `Bearer ${secret.slice(0, -1)}` }],
      ["a changed character", { authorization: `Bearer ${changeCharAt(secret, secret.length - 10)}` }],
      ["a never-issued token", { authorization: `Bearer ${neverIssued}` }],
      ["a revoked token", { authorization: `Bearer ${revoked.secret}` }],
      ["a session (ID token)", { authorization: `Bearer ${person.session}` }],
      ["two tokens", { authorization: `Bearer ${secret} ${secret}` }],
    ];
    for (const [label, header] of headers) {
      const response = await api.request("POST", "/v1/login", { headers: header });
      expect.soft(response.status, label).toBe(401);
      expectError(response, 401, "unauthenticated");
    }
    expect((await login(api, secret)).body).toEqual({ orgId: person.orgId, user: { id: person.userId, name: person.name } });
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([token.id]);
  });

  test("accepts no body or {}, but a body with a field (or not an object) is 400", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const expected = { orgId: person.orgId, user: { id: person.userId, name: person.name } };

    const noBody = await login(api, secret);
    expect(noBody.status, noBody.text).toBe(200);
    expect(noBody.body).toEqual(expected);
    const empty = await login(api, secret, { body: {} });
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual(expected);

    expectError(await login(api, secret, { body: { orgId: person.orgId } }), 400, "invalid_request");
    expectError(await login(api, secret, { body: [] }), 400, "invalid_request");
    expectError(
      await api.request("POST", "/v1/login", { bearer: secret, rawBody: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
  });

  // API.md "When several apply, the first in this order wins: 401 `unauthenticated`, 403 `forbidden`, 413,
  // 400 `invalid_request`, ...": without a valid token the answer is 401 whatever the body.
  test("no token and a body with a field: 401 wins over 400", async () => {
    const { api } = ctx;
    expectError(await login(api, undefined, { body: { orgId: "x" } }), 401, "unauthenticated");
  });

  // The same for 413: 401 `unauthenticated` comes before 413.
  test("no token and a body over 16 KiB: 401 wins over 413", async () => {
    const { api } = ctx;
    expectError(await login(api, "atk_user_notatoken", { rawBody: JSON.stringify({ p: "p".repeat(17 * KiB) }) }), 401, "unauthenticated");
  });
});

describe("POST /v1/verify", () => {
  test("a request that is not { token: string, orgId?: string } is 400", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const bodies: Array<[string, unknown]> = [
      ["no token field", {}],
      ["only orgId", { orgId: person.orgId }],
      ["a number as token", { token: 5 }],
      ["null as token", { token: null }],
      ["an array as token", { token: [secret] }],
      ["an object as token", { token: { secret } }],
      ["a number as orgId", { token: secret, orgId: 5 }],
      ["an unknown field", { token: secret, kind: "user" }],
      ["a JSON array", [{ token: secret }]],
      ["a JSON string", secret],
    ];
    for (const [label, body] of bodies) {
      const response = await api.request("POST", "/v1/verify", { body });
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    expectError(
      await api.request("POST", "/v1/verify", { rawBody: `{"token": "${secret}"`, headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expectError(await api.request("POST", "/v1/verify"), 400, "invalid_request");
  });

  test("malformed tokens: wrong prefix, one changed character, truncated, empty, too long", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const body = secret.slice(USER_PREFIX.length);
    const malformed: Array<[string, string]> = [
      ["empty string", ""],
      ["only the prefix", USER_PREFIX],
      ["no prefix", body],
      ["the service-user prefix, same checksum", `atk_svc_${body}`],
      ["an unknown prefix", `atk_bot_${body}`],
      ["an upper-case prefix", `ATK_USER_${body}`],
      ["one changed character in the id", changeCharAt(secret, USER_PREFIX.length + 1)],
      ["one changed character in the secret part", changeCharAt(secret, secret.length - 12)],
      ["one changed character in the checksum", changeCharAt(secret, secret.length - 1)],
      ["truncated by one", secret.slice(0, -1)],
      ["truncated by half", secret.slice(0, Math.floor(secret.length / 2))],
      ["one character too many", `${secret}0`],
      ["surrounding white space", ` ${secret} `],
      ["a non-base62 character", `${secret.slice(0, -8)}-${secret.slice(-7)}`],
      ["far too long", `${secret}${"A".repeat(5000)}`],
      ["a session", person.session],
    ];
    for (const [label, token] of malformed) {
      expect.soft(isWellFormed(token), label).toBe(false);
      const response = await verify(api, { token });
      expect.soft(response.status, label).toBe(200);
      expect.soft(response.body, label).toEqual({ valid: false, reason: "malformed" });
      // With an orgId too: malformed comes first.
      expect.soft((await verify(api, { token, orgId: "another-org" })).body, label).toEqual({ valid: false, reason: "malformed" });
    }
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });

  test("a well-formed token with a valid checksum that was never issued is not_found", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const body = secret.slice(USER_PREFIX.length);
    const forged: Array<[string, string]> = [
      ["another id", withValidChecksum(changeCharAt(secret, USER_PREFIX.length + 2))],
      ["the real id with another secret part", withValidChecksum(changeCharAt(secret, secret.length - 12))],
      ["the real id and secret under the service-user prefix", withValidChecksum(`atk_svc_${body}`)],
      ["all zeros", withValidChecksum(`${USER_PREFIX}${"0".repeat(body.length)}`)],
    ];
    for (const [label, token] of forged) {
      expect(isWellFormed(token), label).toBe(true);
      expect.soft((await verify(api, { token })).body, label).toEqual({ valid: false, reason: "not_found" });
      // not_found comes before wrong_org.
      expect.soft((await verify(api, { token, orgId: "another-org" })).body, label).toEqual({ valid: false, reason: "not_found" });
      expectError(await login(api, token), 401, "unauthenticated");
    }
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });

  test("wrong_org comes before revoked", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    expect((await revoke(api, person, token.id)).status).toBe(204);
    expect((await verify(api, { token: secret, orgId: uniqueId("elsewhere") })).body).toEqual({ valid: false, reason: "wrong_org" });
    expect((await verify(api, { token: secret, orgId: person.orgId })).body).toEqual({ valid: false, reason: "revoked" });
  });
});
