import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { requireActiveMember } from "../../functions/domain/access.ts";
import { DomainError } from "../../functions/domain/errors.ts";
import { PasswordThrottle } from "../../functions/domain/password-throttle.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { createDomainHarness } from "../support/domain-harness.ts";

/**
 * API.md "Conventions": every error the service answers carries "a sentence a person can act on". The domain
 * writes those sentences; this states, for each refusal, that there is one and that it names what to do.
 */

let h: Awaited<ReturnType<typeof createDomainHarness>>;
beforeAll(async () => {
  h = await createDomainHarness();
});

const refusal = (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => {
      if (error instanceof DomainError) return error;
      throw error;
    },
  );

/** A sentence: a capital letter first, a full stop last, and words in between. */
const SENTENCE = /^[A-Z][\s\S]{10,}\.$/;

describe("each refusal says what to do", () => {
  test("login: a service-user token, or anything that is not a valid user token", async () => {
    const admin = await h.newAdmin();
    const serviceUsers = new ServiceUsers(h);
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    const robot = await serviceUsers.generateToken(admin, su.id, "robot");
    const notAllowed = await refusal(h.verifier.login(robot.secret));
    expect(notAllowed.code).toBe("login_not_allowed");
    expect(notAllowed.message).toMatch(SENTENCE);
    expect(notAllowed.message).toMatch(/service-user token/i);
    const unauthenticated = await refusal(h.verifier.login("nonsense"));
    expect(unauthenticated.code).toBe("unauthenticated");
    expect(unauthenticated.message).toMatch(SENTENCE);
    expect(unauthenticated.message).toContain("Authorization: Bearer");
  });

  test("not an active member; no such token or service user", async () => {
    const admin = await h.newAdmin();
    await h.addMember(admin.orgId, "deac");
    await h.memberships.applyUserDeactivated({ orgId: admin.orgId, userId: "deac", occurredAt: h.nextEventTime() });
    const deleted = await h.newAdmin();
    await h.memberships.applyOrganizationDeleted({ orgId: deleted.orgId, occurredAt: h.nextEventTime() });
    for (const forbidden of [
      await refusal(new ServiceUsers(h).create(deleted, { name: "Late", permissions: [] })),
      await refusal(requireActiveMember(h.store, admin.orgId, "stranger")),
      await refusal(h.userTokens.generate({ orgId: admin.orgId, userId: "deac", name: "x", password: "pw-deac" })),
    ]) {
      expect(forbidden.code).toBe("forbidden");
      expect(forbidden.message).toMatch(SENTENCE);
      expect(forbidden.message).toMatch(/not an active member/);
    }
    const noToken = await refusal(h.revoke({ orgId: admin.orgId, userId: "admin", tokenId: "0123456789abcdef" }));
    expect(noToken).toMatchObject({ code: "not_found", message: "No such token." });
    const noServiceUser = await refusal(new ServiceUsers(h).listTokens(admin.orgId, "su_nobody"));
    expect(noServiceUser).toMatchObject({ code: "not_found", message: "No such service user." });
  });

  test("the limits name themselves and the way out", async () => {
    const admin = await h.newAdmin();
    const m = await h.addMember(admin.orgId, "full");
    for (let i = 0; i < 10; i++) await h.userTokens.generate({ ...m, name: `t${i}` });
    const userLimit = await refusal(h.userTokens.generate({ ...m, name: "11th" }));
    expect(userLimit.code).toBe("token_limit_reached");
    expect(userLimit.message).toMatch(SENTENCE);
    expect(userLimit.message).toMatch(/10 active API tokens/);
    expect(userLimit.message).toMatch(/Revoke one/);

    const serviceUsers = new ServiceUsers(h);
    const su = await serviceUsers.create(admin, { name: "Robot", permissions: [] });
    for (let i = 0; i < 20; i++) await serviceUsers.generateToken(admin, su.id, `r${i}`);
    const serviceLimit = await refusal(serviceUsers.generateToken(admin, su.id, "21st"));
    expect(serviceLimit.code).toBe("token_limit_reached");
    expect(serviceLimit.message).toMatch(SENTENCE);
    expect(serviceLimit.message).toMatch(/20 active service-user tokens/);
    expect(serviceLimit.message).toMatch(/Revoke one/);
  });

  test("a password check that waited too long for the checks under way says to try again", async () => {
    const userId = `msg-${randomUUID().slice(0, 8)}`;
    const now = h.clock.now();
    const pending = Object.fromEntries(Array.from({ length: 5 }, () => [randomUUID(), now.toISOString()]));
    await h.store.savePasswordFailures({ userId, failedAt: [], lockedUntil: null, pending, version: 1 }, undefined);
    const throttle = new PasswordThrottle({ store: h.store, clock: { now: () => now } }, { maxWaitMs: 200 });
    const waited = await refusal(throttle.check(userId, async () => true));
    expect(waited.code).toBe("unavailable");
    expect(waited.message).toMatch(SENTENCE);
    expect(waited.message).toMatch(/try again/);
  });
});
