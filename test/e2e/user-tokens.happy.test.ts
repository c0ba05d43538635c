/**
 * User API tokens end to end, the way they are meant to be used (API.md "User API tokens", "Using a token"):
 * the platform publishes a member on EventBridge, the person signs in, makes a token, sees it, uses it, revokes it.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  THIRTY_DAYS_MS,
  expectError,
  expectNewUserToken,
  generate,
  generateOk,
  list,
  login,
  newPerson,
  revoke,
  serverNow,
  sleep,
  uniqueId,
  useSharedLocalService,
  verify,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();

describe("a person's user token, from creation to revocation", () => {
  test("generate → list → verify → login → revoke → revoked → 404 → empty list", async () => {
    const { api } = ctx;
    const access = {
      permissions: ["reports:read", "reports:export"],
      groups: ["finance", "emea"],
      sites: ["london", "paris"],
    };
    const ada = await newPerson(api, { name: "Ada Lovelace", ...access });

    const before = await serverNow(api);
    const created = await generate(api, ada, { name: "Power BI export", password: ada.password });
    const after = await serverNow(api);
    expect(created.status, created.text).toBe(201);
    expectNewUserToken(created.body, { name: "Power BI export", ownerId: ada.userId });
    const { token, secret } = created.body;
    // Made between the two readings of the server's clock (not the machine's: the clocks may differ).
    expect(Date.parse(token.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(token.createdAt)).toBeLessThanOrEqual(after);

    // The list shows exactly what the 201 showed, without the secret or its hash.
    const listed = await list(api, ada);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ tokens: [token] });
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain(createHash("sha256").update(secret).digest("hex"));
    expect(listed.text).not.toMatch(/"(secret|secretHash|hash)"\s*:/);

    const expectedValid = {
      valid: true,
      orgId: ada.orgId,
      tokenId: token.id,
      kind: "user",
      principal: { type: "user", id: ada.userId, name: "Ada Lovelace" },
      ...access,
      canLogin: true,
    };
    const verified = await verify(api, { token: secret });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual(expectedValid);
    const verifiedInOrg = await verify(api, { token: secret, orgId: ada.orgId });
    expect(verifiedInOrg.status).toBe(200);
    expect(verifiedInOrg.body).toEqual(expectedValid);

    // The first use is recorded at once and pushes expiry to 30 days after it.
    const afterUse = (await list(api, ada)).body.tokens[0]!;
    expect(afterUse.lastUsedAt).not.toBeNull();
    expect(Date.parse(afterUse.lastUsedAt!)).toBeGreaterThanOrEqual(Date.parse(token.createdAt));
    expect(Math.abs(Date.parse(afterUse.expiresAt) - Date.parse(afterUse.lastUsedAt!) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
    expect({ ...afterUse, lastUsedAt: null, expiresAt: token.expiresAt }).toEqual(token);

    const loggedIn = await login(api, secret);
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body).toEqual({ orgId: ada.orgId, user: { id: ada.userId, name: "Ada Lovelace" } });

    const revoked = await revoke(api, ada, token.id);
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe("");

    expect((await verify(api, { token: secret })).body).toEqual({ valid: false, reason: "revoked" });
    expectError(await login(api, secret), 401, "unauthenticated");
    expectError(await revoke(api, ada, token.id), 404, "not_found");
    expect((await list(api, ada)).body).toEqual({ tokens: [] });
  });

  test("the list holds only the caller's active tokens, newest first", async () => {
    const { api } = ctx;
    const grace = await newPerson(api);
    const made = [];
    for (const name of ["first", "second", "third", "fourth"]) made.push((await generateOk(api, grace, name)).token);
    expect(new Set(made.map((t) => t.id)).size).toBe(4);

    const listed = await list(api, grace);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((t) => t.name)).toEqual(["fourth", "third", "second", "first"]);
    expect(listed.body.tokens).toEqual([...made].reverse());
    const created = listed.body.tokens.map((t) => Date.parse(t.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    expect((await revoke(api, grace, made[1]!.id)).status).toBe(204);
    expect((await list(api, grace)).body.tokens.map((t) => t.name)).toEqual(["fourth", "third", "first"]);
  });
});

describe("ids", () => {
  test("the subjects of common identity providers are people's ids: auth0|…, and base64url ones starting with _ or -", async () => {
    for (const subject of [`auth0|${uniqueId("x")}`, `_${uniqueId("a1")}`, `-${uniqueId("b2")}`]) {
      const person = await newPerson(ctx.api, { userId: subject, orgId: `${uniqueId("org")}|eu` });
      const made = await generateOk(ctx.api, person, "BI export");
      expect(made.token.ownerId).toBe(subject);
      expect((await verify(ctx.api, { token: made.secret, orgId: person.orgId })).body).toMatchObject({
        valid: true,
        orgId: person.orgId,
        principal: { type: "user", id: subject },
      });
      expect((await list(ctx.api, person)).body.tokens.map((t: { id: string }) => t.id)).toEqual([made.token.id]);
    }
  });
});

describe("names", () => {
  test("surrounding white space is trimmed; the rest is stored exactly", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const created = await generate(api, person, { name: " \t Power BI export  \u00a0", password: person.password });
    expect(created.status, created.text).toBe(201);
    expect(created.body.token.name).toBe("Power BI export");
    const inner = await generate(api, person, { name: "  two  inner   spaces ", password: person.password });
    expect(inner.body.token.name).toBe("two  inner   spaces");
    expect((await list(api, person)).body.tokens.map((t) => t.name)).toEqual(["two  inner   spaces", "Power BI export"]);
  });

  test("non-ASCII names round-trip exactly, without Unicode normalization", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const names = [
      "Zoë 📊 export",
      "Zoe\u0308 decomposed", // e + combining diaeresis: must not become the precomposed ë
      "東京 レポート",
      "👩‍💻".repeat(10), // ZWJ sequences: 3 code points each, 30 in all
    ];
    for (const name of names) {
      const created = await generate(api, person, { name, password: person.password });
      expect(created.status, created.text).toBe(201);
      expect(created.body.token.name).toBe(name);
    }
    const listed = await list(api, person);
    expect(listed.body.tokens.map((t) => t.name)).toEqual([...names].reverse());
    expect(listed.body.tokens[2]!.name).not.toBe("Zoe\u0308 decomposed".normalize("NFC"));
  });
});

describe("organizations that enforce SSO", () => {
  test("generate needs no password there (and ignores one), until the organization stops enforcing SSO", async () => {
    const { api } = ctx;
    const orgId = uniqueId("sso-org");
    await api.setSso(orgId, true);
    const person = await newPerson(api, { orgId });

    const noPassword = await generate(api, person, { name: "SSO token" });
    expect(noPassword.status, noPassword.text).toBe(201);
    expectNewUserToken(noPassword.body, { name: "SSO token", ownerId: person.userId });
    await sleep(5); // distinct createdAt milliseconds, so "newest first" has one answer
    const ignored = await generate(api, person, { name: "SSO token 2", password: "not the password" });
    expect(ignored.status, ignored.text).toBe(201);
    expect((await verify(api, { token: noPassword.body.secret })).body).toMatchObject({ valid: true, orgId });

    await api.setSso(orgId, false);
    expectError(await generate(api, person, { name: "needs a password now" }), 403, "invalid_password");
    expect((await generate(api, person, { name: "with password", password: person.password })).status).toBe(201);
    expect((await list(api, person)).body.tokens.map((t) => t.name)).toEqual(["with password", "SSO token 2", "SSO token"]);
  });
});

describe("a token carries its owner's current access", () => {
  test("a later User Upserted changes what an existing token verifies with, on the next call", async () => {
    const { api } = ctx;
    const person = await newPerson(api, {
      name: "Old Name",
      permissions: ["reports:read"],
      groups: ["finance"],
      sites: ["london"],
    });
    const { token, secret } = await generateOk(api, person, "Dashboard");
    expect((await verify(api, { token: secret })).body).toMatchObject({
      principal: { type: "user", id: person.userId, name: "Old Name" },
      permissions: ["reports:read"],
      groups: ["finance"],
      sites: ["london"],
    });

    await api.upsertMember({
      orgId: person.orgId,
      userId: person.userId,
      name: "New Name",
      permissions: ["reports:read", "reports:write", "billing:view"],
      groups: ["sales"],
      sites: ["paris", "berlin"],
    });
    expect((await verify(api, { token: secret })).body).toEqual({
      valid: true,
      orgId: person.orgId,
      tokenId: token.id,
      kind: "user",
      principal: { type: "user", id: person.userId, name: "New Name" },
      permissions: ["reports:read", "reports:write", "billing:view"],
      groups: ["sales"],
      sites: ["paris", "berlin"],
      canLogin: true,
    });
    expect((await login(api, secret)).body).toEqual({ orgId: person.orgId, user: { id: person.userId, name: "New Name" } });

    // Access taken away entirely: the token still identifies the person, with nothing granted.
    await api.upsertMember({ orgId: person.orgId, userId: person.userId, name: "New Name" });
    expect((await verify(api, { token: secret })).body).toMatchObject({
      valid: true,
      permissions: [],
      groups: [],
      sites: [],
    });
    // Still the same token, still listed.
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([token.id]);
  });

  test("a stale or repeated User Upserted changes nothing a token verifies with", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { name: "Current", permissions: ["current"] });
    const { secret } = await generateOk(api, person);
    // Older than the event that made the member (ApiClient's events start at 2026-01-01).
    await api.publish("platform.users", "User Upserted", {
      orgId: person.orgId,
      userId: person.userId,
      name: "Stale",
      permissions: ["stale"],
      groups: ["stale"],
      sites: [],
      occurredAt: "2025-06-01T00:00:00.000Z",
    });
    expect((await verify(api, { token: secret })).body).toMatchObject({
      valid: true,
      principal: { name: "Current" },
      permissions: ["current"],
      groups: [],
    });
  });

  test("a token made after an access change carries the new access too", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { permissions: ["a"] });
    await api.upsertMember({ orgId: person.orgId, userId: person.userId, name: person.name, permissions: ["b"], groups: ["g"] });
    const { secret } = await generateOk(api, person);
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true, permissions: ["b"], groups: ["g"], sites: [] });
  });
});

describe("organizations are separate", () => {
  test("a token is worth nothing in another organization", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const otherOrg = uniqueId("other-org");
    const { token, secret } = await generateOk(api, person);

    expect((await verify(api, { token: secret, orgId: otherOrg })).body).toEqual({ valid: false, reason: "wrong_org" });
    expect((await verify(api, { token: secret, orgId: person.orgId })).body).toMatchObject({ valid: true, tokenId: token.id });
    // Without an orgId it is checked in its own organization.
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true, orgId: person.orgId });
    expect((await login(api, secret)).body).toEqual({ orgId: person.orgId, user: { id: person.userId, name: person.name } });
  });

  test("the same person in two organizations has separate token lists", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { name: "Multi Org" });
    const orgB = uniqueId("org-b");
    await api.upsertMember({ orgId: orgB, userId: person.userId, name: "Multi Org", permissions: ["b:only"] });

    const inA = await generateOk(api, person, "in A");
    const inB = await generateOk(api, person, "in B", orgB);

    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([inA.token.id]);
    expect((await list(api, person, orgB)).body.tokens.map((t) => t.id)).toEqual([inB.token.id]);

    expect((await verify(api, { token: inB.secret })).body).toMatchObject({ valid: true, orgId: orgB, permissions: ["b:only"] });
    expect((await verify(api, { token: inA.secret, orgId: orgB })).body).toEqual({ valid: false, reason: "wrong_org" });
    expect((await verify(api, { token: inB.secret, orgId: person.orgId })).body).toEqual({ valid: false, reason: "wrong_org" });

    // A's token cannot be revoked through B's route, and stays valid.
    expectError(await revoke(api, person, inA.token.id, orgB), 404, "not_found");
    expect((await verify(api, { token: inA.secret })).body).toMatchObject({ valid: true });
    // Revoking in B leaves A alone.
    expect((await revoke(api, person, inB.token.id, orgB)).status).toBe(204);
    expect((await list(api, person, orgB)).body.tokens).toEqual([]);
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([inA.token.id]);
  });
});
