/**
 * API.md `POST /v1/revoke-leaked`: no authentication; always 202 `{ received }` whatever each string is (a live
 * token, a revoked one, garbage answer alike); each live token revoked within seconds afterwards, as System with
 * reason `leaked`; the body's shape checked like every route's (400, 413). The shared server: each test reports
 * from an address of its own (`CloudFront-Viewer-Address`, what the service counts a report against).
 * Throttling is in revoke-leaked.throttle.test.ts, on a server of its own.
 */
import { describe, expect, test } from "vitest";
import {
  createServiceUserOk,
  expectError,
  generateOk,
  generateServiceUserTokenOk,
  listActivity,
  newAdmin,
  revoke,
  sleep,
  useSharedLocalService,
  verify,
} from "./e2e-support.ts";
import { newViewer, reportLeaked, waitUntilRevoked } from "./leaked-support.ts";

const ctx = useSharedLocalService();

describe("POST /v1/revoke-leaked", () => {
  test("a live, a revoked and a garbage token answer alike; the live one is revoked shortly after, by System", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const live = await generateOk(api, admin, "pasted in a gist");
    const revoked = await generateOk(api, admin, "already revoked");
    expect((await revoke(api, admin, revoked.token.id)).status).toBe(204);
    const bystander = await generateOk(api, admin, "not reported");

    const answers = [];
    for (const token of [live.secret, revoked.secret, "hunter2", `${live.secret.slice(0, -1)}x`]) {
      const response = await reportLeaked(api, { tokens: [token] });
      answers.push({ status: response.status, body: response.body, type: response.headers.get("content-type") });
    }
    expect(answers).toEqual(Array(4).fill({ status: 202, body: { received: 1 }, type: expect.stringMatching(/^application\/json/) }));

    await waitUntilRevoked(api, live.secret);
    expect((await verify(api, { token: bystander.secret })).body.valid).toBe(true);
    const events = (await listActivity(api, admin)).body.events;
    const leaked = events.filter((e) => e.action === "token.revoked" && e.detail?.reason === "leaked");
    expect(leaked.map(({ actor, tokenId, detail }) => ({ actor, tokenId, detail }))).toEqual([
      {
        actor: { type: "system", id: "system", name: "System" },
        tokenId: live.token.id,
        detail: expect.objectContaining({ reason: "leaked", kind: "user", name: "pasted in a gist" }),
      },
    ]);
    // The revoked one got nothing more than its owner's revocation.
    expect(events.filter((e) => e.tokenId === revoked.token.id && e.action === "token.revoked")).toHaveLength(1);
  });

  test("several at once, of both kinds, duplicates and garbage among them; reported again, nothing changes", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const user = await generateOk(api, admin, "user token");
    const serviceUser = await createServiceUserOk(api, admin, "CI");
    const robot = await generateServiceUserTokenOk(api, admin, serviceUser.id, "ci token");
    const tokens = [user.secret, robot.secret, user.secret, "", "atk_svc_", " ".repeat(3)];

    const viewer = newViewer();
    const response = await reportLeaked(api, { tokens }, viewer);
    expect({ status: response.status, body: response.body }).toEqual({ status: 202, body: { received: tokens.length } });
    await waitUntilRevoked(api, user.secret);
    await waitUntilRevoked(api, robot.secret);

    expect((await reportLeaked(api, { tokens }, viewer)).status).toBe(202);
    await sleep(300);
    const leaked = (await listActivity(api, admin)).body.events.filter((e) => e.detail?.reason === "leaked");
    expect(leaked.map((e) => e.tokenId).sort()).toEqual([user.token.id, robot.token.id].sort());
  });

  test("needs no credentials, and ignores any: a session or an API token in the header changes nothing", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const token = await generateOk(api, admin);
    for (const authorization of [`Bearer ${admin.session}`, `Bearer ${token.secret}`, "Basic Zm9vOmJhcg=="]) {
      const response = await reportLeaked(api, { tokens: ["nothing"] }, { ...newViewer(), authorization });
      expect({ status: response.status, body: response.body }).toEqual({ status: 202, body: { received: 1 } });
    }
    expect((await verify(api, { token: token.secret })).body.valid).toBe(true);
  });

  test("hostile bodies: 400 for a wrong shape or an unknown field, 413 over 16 KiB; nothing is revoked", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api);
    const token = await generateOk(api, admin);
    const bad: Array<[string, unknown]> = [
      ["no tokens", {}],
      ["an empty list", { tokens: [] }],
      ["101 strings", { tokens: Array(101).fill(token.secret) }],
      ["a number among them", { tokens: [token.secret, 1] }],
      ["null among them", { tokens: [null] }],
      ["an object among them", { tokens: [{ token: token.secret }] }],
      ["a string, not a list", { tokens: token.secret }],
      ["an unknown field", { tokens: [token.secret], reason: "found on GitHub" }],
      ["a list, not an object", [token.secret]],
    ];
    for (const [label, body] of bad) {
      const response = await reportLeaked(api, body);
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    const notJson = await api.request("POST", "/v1/revoke-leaked", {
      rawBody: `{"tokens":["${token.secret}"`,
      headers: { "content-type": "application/json", ...newViewer() },
    });
    expectError(notJson, 400, "invalid_request");
    expectError(await reportLeaked(api, { tokens: [token.secret, "x".repeat(17 * 1024)] }), 413, "payload_too_large");
    // Within the limits, anything goes: 100 strings, one long one.
    expect((await reportLeaked(api, { tokens: Array(100).fill("y") })).body).toEqual({ received: 100 });
    expect((await reportLeaked(api, { tokens: ["z".repeat(15 * 1024)] })).body).toEqual({ received: 1 });
    await sleep(300);
    expect((await verify(api, { token: token.secret })).body.valid).toBe(true);
  });
});
