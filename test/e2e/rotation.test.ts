/**
 * API.md "Rotation" through the local server (its own: the file moves the clock): both kinds, with and
 * without grace, at the limit, the grace ending and capped by expiry, the refusals, and what the log says.
 */
import { describe, expect, test } from "vitest";
import {
  activityPath,
  createServiceUserOk,
  DAY_SECONDS,
  expectError,
  expectLocked,
  generateOk,
  generateServiceUserToken,
  list,
  newAdmin,
  newPerson,
  serviceUserTokenPath,
  serviceUserTokensPath,
  tokenPath,
  useLocalService,
  verify,
  type ActivityEvent,
  type Created,
  type Person,
  type TokenView,
} from "./e2e-support.ts";

const ctx = useLocalService();
const HOUR = 3600;

const rotate = (person: Person, tokenId: string, body: Record<string, unknown>) =>
  ctx.api.request<Created>("POST", `${tokenPath(person.orgId, tokenId)}/rotate`, { bearer: person.session, body });
const rotateOk = async (person: Person, tokenId: string, graceSeconds?: number) => {
  const response = await rotate(person, tokenId, { password: person.password, ...(graceSeconds === undefined ? {} : { graceSeconds }) });
  expect(response.status, response.text).toBe(201);
  return response.body;
};
const listed = async (person: Person) => (await list(ctx.api, person)).body.tokens as Array<TokenView & { graceEndsAt?: string }>;
const valid = async (secret: string) => ((await verify(ctx.api, { token: secret })).body as { valid: boolean }).valid;

describe("rotating user tokens", () => {
  test("graceSeconds left out: the old token stops at once; the new one has the name, and the log names both", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "Power BI export");
    const rotated = await rotateOk(person, old.token.id);
    expect(rotated.token).toMatchObject({ name: "Power BI export", kind: "user", ownerId: person.userId });
    expect(rotated.secret).toMatch(/^atk_user_/);
    expect(await valid(old.secret)).toBe(false);
    expect(await valid(rotated.secret)).toBe(true);
    expect((await listed(person)).map((t) => t.id)).toEqual([rotated.token.id]);
  });

  test("with a grace both work and the old one is listed with graceEndsAt; once it ends the old verifies as revoked", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "CI");
    const rotated = await rotateOk(person, old.token.id, HOUR);
    const tokens = await listed(person);
    expect(tokens.map((t) => t.id)).toEqual([rotated.token.id, old.token.id]);
    expect(tokens[0]).not.toHaveProperty("graceEndsAt");
    expect(Date.parse(tokens[1]!.graceEndsAt!) - Date.parse(rotated.token.createdAt)).toBeGreaterThanOrEqual(HOUR * 1000 - 1000);
    expect(await valid(old.secret)).toBe(true);
    // A token in its grace cannot be rotated again.
    expectError(await rotate(person, old.token.id, { password: person.password }), 404, "not_found");
    await api.advanceClock(HOUR);
    person.session = await api.signIn(person.email, person.password);
    expect((await verify(api, { token: old.secret })).body).toEqual({ valid: false, reason: "revoked" });
    expect(await valid(rotated.secret)).toBe(true);
  });

  test("at the limit a rotation needs no free place; the refusals: wrong password, lock, bad grace, someone else's token", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const made: Created[] = [];
    for (let i = 0; i < 10; i++) made.push(await generateOk(api, person, `t${i}`));
    await rotateOk(person, made[0]!.token.id, HOUR);
    expect(await listed(person)).toHaveLength(11);
    for (const graceSeconds of [-1, 86_401, 1.5, "60"]) {
      expectError(await rotate(person, made[1]!.token.id, { password: person.password, graceSeconds }), 400, "invalid_request");
    }
    expectError(await rotate(person, made[1]!.token.id, { password: person.password, name: "renamed" }), 400, "invalid_request");
    const stranger = await newPerson(api, { orgId: person.orgId });
    expectError(await rotate(stranger, made[1]!.token.id, { password: stranger.password }), 404, "not_found");
    for (let i = 0; i < 5; i++) expectError(await rotate(person, made[1]!.token.id, { password: "wrong" }), 403, "invalid_password");
    expectLocked(await rotate(person, made[1]!.token.id, { password: person.password }));
    expect(await valid(made[1]!.secret)).toBe(true);
  });

  test("the grace never outlives the old token's own expiry", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "nearly expired");
    await api.advanceClock(30 * DAY_SECONDS - HOUR);
    person.session = await api.signIn(person.email, person.password);
    await rotateOk(person, old.token.id, 86_400);
    const inGrace = (await listed(person)).find((t) => t.id === old.token.id);
    expect(inGrace?.graceEndsAt).toBe(old.token.expiresAt);
  });
});

describe("rotating service-user tokens", () => {
  test("an admin rotates with a grace; the old token works until it ends; the log names both tokens and the admin", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });
    const robot = await createServiceUserOk(api, admin, "Airflow", ["dags:run"]);
    const old = (await generateServiceUserToken(api, admin, robot.id, { name: "prod" })).body as Created;
    const response = await api.request<Created>("POST", `${serviceUserTokenPath(admin.orgId, robot.id, old.token.id)}/rotate`, {
      bearer: admin.session,
      body: { graceSeconds: 60 },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.token).toMatchObject({ kind: "service_user", ownerId: robot.id, name: "prod" });
    expect(await valid(old.secret)).toBe(true);
    const tokens = (
      await api.request<{ tokens: Array<{ id: string; graceEndsAt?: string }> }>("GET", serviceUserTokensPath(admin.orgId, robot.id), {
        bearer: admin.session,
      })
    ).body.tokens;
    expect(tokens.map((t) => [t.id, t.graceEndsAt !== undefined])).toEqual([
      [response.body.token.id, false],
      [old.token.id, true],
    ]);
    const events = (await api.request<{ events: ActivityEvent[] }>("GET", activityPath(admin.orgId), { bearer: admin.session })).body
      .events;
    expect(events.find((e) => e.action === "token.rotated")).toMatchObject({
      actor: { type: "user", id: admin.userId, name: "Ada Admin" },
      tokenId: response.body.token.id,
      detail: { oldTokenId: old.token.id, newTokenId: response.body.token.id },
    });
    // Moving the clock runs the hourly job: the grace's end is recorded before any request reads the token.
    await api.advanceClock(60);
    admin.session = await api.signIn(admin.email, admin.password);
    const after = (await api.request<{ events: ActivityEvent[] }>("GET", activityPath(admin.orgId), { bearer: admin.session })).body.events;
    expect(after.filter((e) => e.action === "token.revoked" && e.tokenId === old.token.id)).toEqual([
      expect.objectContaining({
        actor: { type: "system", id: "system", name: "System" },
        detail: expect.objectContaining({ reason: "rotated" }),
      }),
    ]);
    expect((await verify(api, { token: old.secret })).body).toEqual({ valid: false, reason: "revoked" });
  });
});
