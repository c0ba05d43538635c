/**
 * API.md: "No response after the 201 ever contains the secret or its hash", error bodies carry "never a
 * secret", and the service logs none. A busy scenario (generate, verify, login, list, revoke, wrong passwords,
 * lock-out, an integration's own token, leaked-token reports, malformed requests of every kind) collects every secret, its SHA-256 and every password; then the
 * server's whole output and every response body the client saw are searched for them.
 */
import { createHash, randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  USER_PREFIX,
  generate,
  list,
  login,
  newPerson,
  revoke,
  sleep,
  tokenPath,
  tokensPath,
  uniqueId,
  useLocalService,
  verify,
  type Person,
} from "./e2e-support.ts";
import { changeCharAt } from "./token-forgery.ts";

const ctx = useLocalService();

interface IssuedSecret {
  secret: string;
  tokenId: string;
  /** Index in `api.seen` of the 201 that created it: the only body allowed to hold it. */
  createdAt: number;
}

/** The forms in which a secret's SHA-256 could be written down. */
const hashForms = (secret: string) => {
  const digest = createHash("sha256").update(secret).digest();
  return [digest.toString("hex"), digest.toString("hex").toUpperCase(), digest.toString("base64"), digest.toString("base64url")];
};

describe("secrets never leak", () => {
  test("no secret, hash, password or session in the server's output; no secret or hash in any later response", async () => {
    const { api, service } = ctx;
    const secrets: IssuedSecret[] = [];
    const passwords: string[] = [];
    const sessions: string[] = [];

    const person = async (options: Parameters<typeof newPerson>[1] = {}) => {
      const p = await newPerson(api, { password: `pw-${randomUUID()}`, ...options });
      passwords.push(p.password);
      sessions.push(p.session);
      return p;
    };
    const issue = async (p: Person, name: string, orgId = p.orgId, body: Record<string, unknown> = { name, password: p.password }) => {
      const response = await generate(api, p, body, orgId);
      expect(response.status, response.text).toBe(201);
      const issued = { secret: response.body.secret, tokenId: response.body.token.id, createdAt: api.seen.length - 1 };
      expect(api.seen[issued.createdAt]).toContain(issued.secret);
      secrets.push(issued);
      return issued;
    };
    const wrongPassword = () => {
      const password = `wrong-${randomUUID()}`;
      passwords.push(password);
      return password;
    };

    // People: one in two organizations, a colleague, someone in an SSO organization, a stranger.
    const alice = await person({ name: "Alice", permissions: ["reports:read"], groups: ["g"], sites: ["s"] });
    const orgB = uniqueId("org-b");
    await api.upsertMember({ orgId: orgB, userId: alice.userId, name: "Alice" });
    const bob = await person({ orgId: alice.orgId, name: "Bob" });
    const ssoOrg = uniqueId("sso");
    await api.setSso(ssoOrg, true);
    const carol = await person({ orgId: ssoOrg, name: "Carol" });
    const stranger = await person({ orgId: alice.orgId, member: false });

    // Tokens.
    const a1 = await issue(alice, "alice one");
    const a2 = await issue(alice, "alice two");
    const a3 = await issue(alice, "alice three");
    const aB = await issue(alice, "alice in B", orgB);
    const b1 = await issue(bob, "bob one");
    const b2 = await issue(bob, "bob two");
    const c1 = await issue(carol, "carol sso", ssoOrg, { name: "carol sso", password: carol.password }); // ignored password
    const c2 = await issue(carol, "carol sso 2", ssoOrg, { name: "carol sso 2" });

    // Use them.
    for (const { secret } of secrets) {
      expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
      expect((await login(api, secret)).status).toBe(200);
    }
    await verify(api, { token: a1.secret, orgId: orgB }); // wrong_org
    await verify(api, { token: aB.secret, orgId: orgB });
    await login(api, a2.secret, { body: {} });
    for (const p of [alice, bob, carol]) expect((await list(api, p)).status).toBe(200);
    expect((await list(api, alice, orgB)).status).toBe(200);

    // Revoke, and use the revoked.
    expect((await revoke(api, alice, a3.tokenId)).status).toBe(204);
    expect((await revoke(api, bob, b2.tokenId)).status).toBe(204);
    expect((await verify(api, { token: a3.secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect((await login(api, b2.secret)).status).toBe(401);
    expect((await revoke(api, alice, a3.tokenId)).status).toBe(404);

    // Wrong passwords, a lock-out, the right password while locked.
    expect((await generate(api, alice, { name: "x", password: wrongPassword() })).status).toBe(403);
    expect((await generate(api, alice, { name: "x", password: wrongPassword() }, orgB)).status).toBe(403);
    for (let i = 0; i < 5; i++) expect((await generate(api, bob, { name: "x", password: wrongPassword() })).status).toBe(403);
    expect((await generate(api, bob, { name: "x", password: bob.password })).status).toBe(429);
    expect((await generate(api, bob, { name: "x", password: wrongPassword() })).status).toBe(429);

    // Errors that carry a secret or a password in the request.
    const json = { "content-type": "application/json" };
    const attempts: Array<[number, Promise<{ status: number; text: string }>]> = [
      [400, generate(api, alice, { name: "", password: alice.password })],
      [400, generate(api, alice, { name: "x", password: alice.password, token: a1.secret })],
      [400, generate(api, alice, { name: a1.secret.repeat(3), password: alice.password })], // name too long
      [400, generate(api, alice, { name: `bad\u0007${a1.secret}`, password: alice.password })],
      [400, generate(api, alice, { name: 42, password: alice.password })],
      [413, generate(api, alice, { name: "x", password: alice.password, padding: `${a1.secret} `.repeat(400) })],
      [
        400,
        api.request("POST", tokensPath(alice.orgId), {
          bearer: alice.session,
          rawBody: `{"name":"x","password":"${alice.password}"`,
          headers: json,
        }),
      ],
      [403, api.request("POST", tokensPath(alice.orgId), { bearer: stranger.session, body: { name: "x", password: stranger.password } })],
      [401, api.request("POST", tokensPath(alice.orgId), { bearer: a1.secret, body: { name: "x", password: alice.password } })],
      [401, api.request("GET", tokensPath(alice.orgId), { bearer: a2.secret })],
      [401, api.request("DELETE", tokenPath(alice.orgId, a1.tokenId), { bearer: a1.secret })],
      [404, api.request("DELETE", tokenPath(alice.orgId, a1.secret), { bearer: alice.session })],
      [404, api.request("DELETE", tokenPath(bob.orgId, a1.tokenId), { bearer: bob.session })],
      [400, verify(api, { token: a1.secret, orgId: 42 })],
      [400, verify(api, { token: a1.secret, extra: a2.secret })],
      [200, verify(api, { token: changeCharAt(a1.secret, a1.secret.length - 3) })], // malformed
      [200, verify(api, { token: `${a1.secret}${a2.secret}` })], // malformed
      [200, verify(api, { token: a1.secret.slice(USER_PREFIX.length) })], // malformed
      [400, api.request("POST", "/v1/verify", { rawBody: `{"token":"${a1.secret}"`, headers: json })],
      [413, api.request("POST", "/v1/verify", { body: { token: `${a1.secret} `.repeat(500) } })],
      [400, login(api, a1.secret, { body: { token: a1.secret } })],
      [400, login(api, a1.secret, { rawBody: `{"token":"${a2.secret}"`, headers: json })],
      [401, api.request("POST", "/v1/login", { headers: { authorization: `Bearer ${changeCharAt(c1.secret, 20)}` } })],
      [401, api.request("POST", "/v1/login", { headers: { authorization: a1.secret } })],
      [401, api.request("POST", "/v1/login", { headers: { authorization: `Bearer ${alice.session}` } })],
      // An integration's own token, and leaked-token reports (whose worker runs after the answer; see below).
      [200, api.request("GET", "/v1/token", { bearer: a1.secret })],
      [401, api.request("GET", "/v1/token", { bearer: changeCharAt(a2.secret, 30) })],
      [400, api.request("DELETE", "/v1/token", { bearer: c2.secret, body: { token: c2.secret } })],
      [202, api.request("POST", "/v1/revoke-leaked", { body: { tokens: [b1.secret, a3.secret, changeCharAt(c1.secret, 20)] } })],
      [400, api.request("POST", "/v1/revoke-leaked", { body: { tokens: [b1.secret], note: a1.secret } })],
      [413, api.request("POST", "/v1/revoke-leaked", { body: { tokens: Array(400).fill(a2.secret) } })],
    ];
    for (const [status, attempt] of attempts) {
      const response = await attempt;
      expect(response.status, response.text).toBe(status);
    }

    expect((await api.request("DELETE", "/v1/token", { bearer: c2.secret })).status).toBe(204);
    // The leak report's worker has run (and logged) once the reported token verifies as revoked.
    for (let waited = 0; (await verify(api, { token: b1.secret })).body.valid && waited < 5_000; waited += 50) await sleep(50);
    expect((await verify(api, { token: b1.secret })).body).toEqual({ valid: false, reason: "revoked" });

    // Wait until the server has written its log line for a last, marked request.
    const marker = await verify(api, {});
    const markerId: string = marker.body.error.requestId;
    for (let waited = 0; !service.output().includes(markerId) && waited < 5_000; waited += 50) await sleep(50);
    const output = service.output();
    expect(output).toContain(markerId);
    // The scan means something: the output does hold the requests' log lines and the public token ids.
    expect(output).toContain('"statusCode":201');
    expect(output).toContain('"statusCode":429');

    for (const { secret, tokenId, createdAt } of secrets) {
      const secretForms = [secret, secret.slice(USER_PREFIX.length), secret.slice(-22)];
      const hashes = hashForms(secret);
      for (const form of [...secretForms, ...hashes]) {
        expect(output.includes(form), `server output holds the secret (or its hash) of ${tokenId}`).toBe(false);
      }
      api.seen.forEach((body, index) => {
        for (const hash of hashes) expect(body.includes(hash), `response ${index} holds the hash of ${tokenId}`).toBe(false);
        if (index === createdAt) return;
        for (const form of secretForms) {
          expect(body.includes(form), `response ${index} holds the secret of ${tokenId}: ${body.slice(0, 200)}`).toBe(false);
        }
      });
    }
    for (const password of passwords) {
      expect(output.includes(password), "server output holds a password").toBe(false);
      api.seen.forEach((body, index) => {
        expect(body.includes(password), `response ${index} holds a password: ${body.slice(0, 200)}`).toBe(false);
      });
    }
    for (const session of sessions) {
      expect(output.includes(session), "server output holds a session").toBe(false);
      expect(output.includes(session.split(".")[2]!), "server output holds a session's signature").toBe(false);
    }
    expect(secrets).toHaveLength(8);
    expect(new Set([a1, a2, a3, aB, b1, b2, c1, c2].map((s) => s.secret)).size).toBe(8);
  });

  // People paste tokens into URLs (e.g. GET on the revoke path, which has no GET route): the 404 must not
  // echo the path. API.md: "No response after the 201 ever contains the secret or its hash".
  test("a secret pasted into an unknown route's path is not echoed back", async () => {
    const { api } = ctx;
    const p = await newPerson(api);
    const created = await generate(api, p);
    expect(created.status).toBe(201);
    const { secret } = created.body;
    for (const [method, path] of [
      ["GET", tokenPath(p.orgId, secret)],
      ["POST", `/v1/verify/${secret}`],
    ] as const) {
      const response = await api.request(method, path, { bearer: p.session });
      expect(response.status).toBe(404);
      expect(response.text).not.toContain(secret);
    }
  });
});

describe("service-user secrets never leak either", () => {
  test("through generation, listing, verification, refused login, the admin views, the activity log and revocation", async () => {
    const { api, service } = ctx;
    const admin = await newPerson(api, { permissions: ["api-tokens:admin"], password: `pw-${randomUUID()}` });
    const orgPath = `/v1/orgs/${admin.orgId}`;
    const su = await api.request("POST", `${orgPath}/service-users`, {
      bearer: admin.session,
      body: { name: "Robot", permissions: ["p"] },
    });
    expect(su.status).toBe(201);
    const suPath = `${orgPath}/service-users/${su.body.serviceUser.id}`;
    const made = await api.request("POST", `${suPath}/tokens`, { bearer: admin.session, body: { name: "robot" } });
    expect(made.status).toBe(201);
    const secret: string = made.body.secret;
    const createdAt = api.seen.length - 1;

    await verify(api, { token: secret });
    await verify(api, { token: secret, orgId: "elsewhere" });
    await login(api, secret);
    await api.request("GET", `${suPath}/tokens`, { bearer: admin.session });
    await api.request("GET", `${orgPath}/admin/tokens`, { bearer: admin.session });
    await api.request("POST", `${suPath}/tokens`, { bearer: secret, body: { name: "minted with a token" } });
    await api.request("PATCH", suPath, { bearer: admin.session, body: { name: "Robot", token: secret } }); // 400, no echo
    await api.request("DELETE", suPath, { bearer: admin.session });
    await api.request("GET", `${orgPath}/activity`, { bearer: admin.session });
    const marker = await verify(api, {});
    const markerId: string = marker.body.error.requestId;
    for (let waited = 0; !service.output().includes(markerId) && waited < 5_000; waited += 50) await sleep(50);

    const secretForms = [secret, secret.slice("atk_svc_".length)];
    const never = [...hashForms(secret), admin.password];
    const output = service.output();
    for (const value of [...secretForms, ...never]) expect(output).not.toContain(value);
    api.seen.forEach((body, index) => {
      // Only the 201 that created it may hold the secret; no body ever holds its hash or a password.
      for (const value of index === createdAt ? never : [...secretForms, ...never]) {
        expect(body, `response #${index}`).not.toContain(value);
      }
    });
  });
});
