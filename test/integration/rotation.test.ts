/**
 * API.md "Rotation" against the real store: a new token of the same name and owner, the old one working for
 * its grace (capped by its own expiry) without counting toward the limit, no rotation of a token in its grace,
 * chains of at most two working tokens, the grace's end recorded once, and every step atomic under races.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { recordDueWork } from "../../functions/domain/due-work.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { code, createDomainHarness } from "../support/domain-harness.ts";

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const uniqueOrg = () => `org-${randomUUID().slice(0, 8)}`;
const HOUR = 3600;

async function activityOf(orgId: string) {
  return (await h.store.listActivity(orgId, 200, undefined)).items;
}

describe("rotating a user token", () => {
  test("without grace: the old token stops at once, the new one has its name, and the log names both", async () => {
    const m = await h.addMember(uniqueOrg(), "ada");
    const old = await h.userTokens.generate({ ...m, name: "Power BI" });
    const rotated = await h.userTokens.rotate({ ...m, tokenId: old.token.id, graceSeconds: 0 });
    expect(rotated.token).toMatchObject({ name: "Power BI", kind: "user", ownerId: "ada" });
    expect(rotated.token.id).not.toBe(old.token.id);
    expect(await h.verifier.verify({ token: old.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: rotated.secret })).toMatchObject({ valid: true, tokenId: rotated.token.id });
    expect((await h.userTokens.list(m)).map((t) => t.id)).toEqual([rotated.token.id]);
    const log = await activityOf(m.orgId);
    expect(log.find((r) => r.action === "token.rotated")).toMatchObject({
      actor: { type: "user", id: "ada" },
      tokenId: rotated.token.id,
      detail: { oldTokenId: old.token.id, newTokenId: rotated.token.id, graceEndsAt: null },
    });
    expect(log.filter((r) => r.action === "token.revoked")).toEqual([
      expect.objectContaining({
        tokenId: old.token.id,
        actor: expect.objectContaining({ type: "system" }),
        detail: expect.objectContaining({ reason: "rotated" }),
      }),
    ]);
  });

  test("with grace: both work until the grace ends, the old one is listed with graceEndsAt, then it verifies as revoked, recorded once", async () => {
    const m = await h.addMember(uniqueOrg(), "bo");
    const old = await h.userTokens.generate({ ...m, name: "CI" });
    const before = h.clock.now().getTime();
    const rotated = await h.userTokens.rotate({ ...m, tokenId: old.token.id, graceSeconds: HOUR });
    const after = h.clock.now().getTime();
    const listed = await h.userTokens.list(m);
    expect(listed.map((t) => t.id)).toEqual([rotated.token.id, old.token.id]);
    expect(listed[0]?.graceEndsAt).toBeUndefined();
    const graceEndsAt = listed[1]?.graceEndsAt ?? "";
    expect(Date.parse(graceEndsAt)).toBeGreaterThanOrEqual(before + HOUR * 1000);
    expect(Date.parse(graceEndsAt)).toBeLessThanOrEqual(after + HOUR * 1000);
    expect(await h.verifier.verify({ token: old.secret })).toMatchObject({ valid: true });
    h.clock.advance(HOUR - 5);
    expect(await h.verifier.verify({ token: old.secret })).toMatchObject({ valid: true });
    h.clock.advance(5);
    expect(await h.verifier.verify({ token: old.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: old.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: rotated.secret })).toMatchObject({ valid: true });
    expect((await h.userTokens.list(m)).map((t) => t.id)).toEqual([rotated.token.id]);
    const revoked = (await activityOf(m.orgId)).filter((r) => r.action === "token.revoked");
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ tokenId: old.token.id, detail: { reason: "rotated", replacedBy: rotated.token.id } });
    expect((await h.store.getToken(old.token.id))?.revokedAt).toBe(graceEndsAt);
  });

  test("the grace never outlives the old token's own expiry", async () => {
    const m = await h.addMember(uniqueOrg(), "cy");
    const old = await h.userTokens.generate({ ...m, name: "nearly expired" });
    h.clock.advance(30 * 86_400 - 600);
    const rotated = await h.userTokens.rotate({ ...m, tokenId: old.token.id, graceSeconds: 86_400 });
    const listed = (await h.userTokens.list(m)).find((t) => t.id === old.token.id);
    expect(listed?.graceEndsAt).toBe(old.token.expiresAt);
    expect(rotated.token.expiresAt > old.token.expiresAt).toBe(true);
  });

  test("at the limit a rotation needs no free place; tokens in grace do not count, so a new one fits while they wait", async () => {
    const m = await h.addMember(uniqueOrg(), "di");
    const made = [];
    for (let i = 0; i < 10; i++) made.push(await h.userTokens.generate({ ...m, name: `t${i}` }));
    expect(await code(h.userTokens.generate({ ...m, name: "eleventh" }))).toBe("token_limit_reached");
    for (const token of made) await h.userTokens.rotate({ ...m, tokenId: token.token.id, graceSeconds: HOUR });
    // 10 counted, 10 in grace: 20 working, and still no place for an eleventh.
    expect(await h.userTokens.list(m)).toHaveLength(20);
    expect(await code(h.userTokens.generate({ ...m, name: "eleventh" }))).toBe("token_limit_reached");
  });

  test("a token in its grace cannot be rotated; rotating its successor ends its grace at once (two working at most)", async () => {
    const m = await h.addMember(uniqueOrg(), "ed");
    const first = await h.userTokens.generate({ ...m, name: "chain" });
    const second = await h.userTokens.rotate({ ...m, tokenId: first.token.id, graceSeconds: HOUR });
    expect(await code(h.userTokens.rotate({ ...m, tokenId: first.token.id, graceSeconds: HOUR }))).toBe("not_found");
    const third = await h.userTokens.rotate({ ...m, tokenId: second.token.id, graceSeconds: HOUR });
    expect(await h.verifier.verify({ token: first.secret })).toEqual({ valid: false, reason: "revoked" });
    expect(await h.verifier.verify({ token: second.secret })).toMatchObject({ valid: true });
    expect(await h.verifier.verify({ token: third.secret })).toMatchObject({ valid: true });
    expect((await h.userTokens.list(m)).map((t) => t.id).sort()).toEqual([second.token.id, third.token.id].sort());
  });

  test("someone else's token, a revoked one and an unknown id are all not_found; the wrong password is invalid_password", async () => {
    const orgId = uniqueOrg();
    const m = await h.addMember(orgId, "fay");
    const other = await h.addMember(orgId, "gus");
    const theirs = await h.userTokens.generate({ ...other, name: "theirs" });
    const mine = await h.userTokens.generate({ ...m, name: "mine" });
    expect(await code(h.userTokens.rotate({ ...m, tokenId: theirs.token.id, graceSeconds: 0 }))).toBe("not_found");
    expect(await code(h.userTokens.rotate({ ...m, tokenId: "nope", graceSeconds: 0 }))).toBe("not_found");
    expect(await code(h.userTokens.rotate({ ...m, password: "wrong", tokenId: mine.token.id, graceSeconds: 0 }))).toBe("invalid_password");
    await h.revoke({ ...m, tokenId: mine.token.id });
    expect(await code(h.userTokens.rotate({ ...m, tokenId: mine.token.id, graceSeconds: 0 }))).toBe("not_found");
    expect(await h.verifier.verify({ token: theirs.secret })).toMatchObject({ valid: true });
  });

  test("20 simultaneous rotations of one token: exactly one succeeds, and one token of that name counts", async () => {
    const m = await h.addMember(uniqueOrg(), "hal");
    const old = await h.userTokens.generate({ ...m, name: "raced" });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => code(h.userTokens.rotate({ ...m, tokenId: old.token.id, graceSeconds: HOUR }))),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "ok").every((o) => o === "not_found")).toBe(true);
    const listed = await h.userTokens.list(m);
    expect(listed).toHaveLength(2);
    expect(listed.filter((t) => t.graceEndsAt === undefined)).toHaveLength(1);
  });

  test("a deactivation ends tokens in their grace too", async () => {
    const m = await h.addMember(uniqueOrg(), "ivy");
    const old = await h.userTokens.generate({ ...m, name: "x" });
    const rotated = await h.userTokens.rotate({ ...m, tokenId: old.token.id, graceSeconds: HOUR });
    await h.memberships.applyUserDeactivated({ orgId: m.orgId, userId: m.userId, occurredAt: h.nextEventTime() });
    expect(await h.verifier.verify({ token: old.secret })).toMatchObject({ valid: false });
    expect(await h.verifier.verify({ token: rotated.secret })).toMatchObject({ valid: false });
  });
});

describe("rotating a service-user token", () => {
  test("an admin rotates with grace; the limit of 20 does not count tokens in grace", async () => {
    const admin = await h.newAdmin();
    const serviceUsers = new ServiceUsers({ store: h.store, clock: h.clock });
    const su = await serviceUsers.create(admin, { name: "warehouse", permissions: ["reports:read"] });
    const made = [];
    for (let i = 0; i < 20; i++) made.push(await serviceUsers.generateToken(admin, su.id, `s${i}`));
    expect(await code(serviceUsers.generateToken(admin, su.id, "21st"))).toBe("token_limit_reached");
    const rotated = await serviceUsers.rotateToken(admin, su.id, made[0]!.token.id, HOUR);
    expect(rotated.token).toMatchObject({ kind: "service_user", ownerId: su.id, name: "s0" });
    expect(await h.verifier.verify({ token: made[0]!.secret })).toMatchObject({ valid: true });
    expect((await serviceUsers.list(admin.orgId, 50, undefined)).serviceTokens).toEqual({ active: 20, limit: 20 });
    expect(await code(serviceUsers.rotateToken(admin, "su_unknown", made[1]!.token.id, 0))).toBe("not_found");
    h.clock.advance(HOUR);
    expect(await h.verifier.verify({ token: made[0]!.secret })).toEqual({ valid: false, reason: "revoked" });
  });
});

describe("the hourly job", () => {
  test("records a grace's end that no request found, once; a token revoked during its grace leaves the index", async () => {
    const m = await h.addMember(uniqueOrg(), "jo");
    const first = await h.userTokens.generate({ ...m, name: "left alone" });
    const second = await h.userTokens.generate({ ...m, name: "revoked in grace" });
    await h.userTokens.rotate({ ...m, tokenId: first.token.id, graceSeconds: HOUR });
    const rotatedSecond = await h.userTokens.rotate({ ...m, tokenId: second.token.id, graceSeconds: HOUR });
    await h.revoke({ ...m, tokenId: second.token.id });
    const due = new Date(h.clock.now().getTime() + HOUR * 1000).toISOString();
    // The index is shared with the other tests' tokens (their warnings fall due on days too): only ours count.
    const ours = new Set([first.token.id, second.token.id]);
    const dueOfOurs = async () => (await h.store.listTokensDueOn(due.slice(0, 10))).map((t) => t.id).filter((id) => ours.has(id));
    expect(await dueOfOurs()).toEqual([first.token.id]);

    // Before the grace ends the job records nothing.
    await recordDueWork({ store: h.store, clock: h.clock });
    expect((await h.store.getToken(first.token.id))?.status).toBe("active");
    h.clock.advance(HOUR + 60);
    await recordDueWork({ store: h.store, clock: h.clock });
    expect((await h.store.getToken(first.token.id))?.status).toBe("revoked");
    expect(await dueOfOurs()).toEqual([]);
    await recordDueWork({ store: h.store, clock: h.clock });
    const revocations = (await activityOf(m.orgId)).filter((r) => r.action === "token.revoked");
    expect(revocations.map((r) => [r.tokenId, r.actor.type, r.detail?.reason])).toEqual(
      expect.arrayContaining([
        [first.token.id, "system", "rotated"],
        [second.token.id, "user", undefined],
      ]),
    );
    expect(revocations.filter((r) => r.tokenId === first.token.id)).toHaveLength(1);
    expect(await h.verifier.verify({ token: rotatedSecond.secret })).toMatchObject({ valid: true });
  });
});

describe("a use racing a rotation", () => {
  test("a login whose write lost to a rotation with a grace is written again: the token still works, and the login is recorded once", async () => {
    const m = await h.addMember(uniqueOrg(), "lo");
    const token = await h.userTokens.generate({ ...m, name: "raced" });
    // The rotation lands between the login's read of the token and its write (first use: the write moves the
    // expiry warning's index entry, on condition that the token is in no grace).
    let rotated = false;
    const store: typeof h.store = Object.assign(Object.create(h.store), {
      recordTokenUse: async (...args: Parameters<typeof h.store.recordTokenUse>) => {
        if (!rotated) {
          rotated = true;
          await h.userTokens.rotate({ ...m, tokenId: token.token.id, graceSeconds: HOUR });
        }
        return h.store.recordTokenUse(...args);
      },
    });
    const verifier = new TokenVerifier({ store, clock: h.clock });
    expect(await verifier.login(token.secret)).toMatchObject({ user: { id: m.userId } });
    const logins = (await h.store.listActivity(m.orgId, 50, undefined)).items.filter(
      (r) => r.action === "token.login" && r.tokenId === token.token.id,
    );
    expect(logins).toHaveLength(1);
    expect(await h.store.getToken(token.token.id)).toMatchObject({ graceEndsAt: expect.any(String), lastUsedAt: expect.any(String) });
  });
});
