import { describe, expect, test } from "vitest";
import { activityRecordEntity } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { membershipEntity } from "../../functions/adapters/dynamodb/entities/membership.ts";
import { organizationSettingsEntity } from "../../functions/adapters/dynamodb/entities/organization-settings.ts";
import { passwordFailuresEntity } from "../../functions/adapters/dynamodb/entities/password-failures.ts";
import { serviceUserEntity } from "../../functions/adapters/dynamodb/entities/service-user.ts";
import { tokenSetEntity } from "../../functions/adapters/dynamodb/entities/token-set.ts";
import { TOKEN_ITEM, tokenEntity } from "../../functions/adapters/dynamodb/entities/token.ts";
import { keys } from "../../functions/adapters/dynamodb/keys.ts";
import type { TokenRecord } from "../../functions/domain/model.ts";
import { FAILURE_WINDOW_MS } from "../../functions/domain/password-throttle.ts";

/** Each stored entity maps its record to its item (keys, `type`, fields) and back, losing nothing. */
const token: TokenRecord = {
  id: "tok1",
  orgId: "org1",
  kind: "user",
  ownerId: "ann",
  name: "export",
  secretHash: "0".repeat(64),
  hint: "x9Qa",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastUsedAt: null,
  expiresAt: 1_800_000_000,
  status: "active",
  eventSequence: 1,
  principal: { name: "Ann", permissions: ["p"], groups: [], sites: [], memberStatus: "active" },
};

describe("stored entities", () => {
  test("a token item is what the TTL stream filter matches: its type, and the active status", () => {
    const item = tokenEntity.toItem(token);
    expect(item).toMatchObject({ ...keys.token(token.id), type: TOKEN_ITEM.type, status: TOKEN_ITEM.activeStatus });
    expect(tokenEntity.fromItem(item)).toEqual(token);
    expect(tokenEntity.fromImage(item)).toEqual(token);
  });

  test("an image that is no token item is not decoded as one", () => {
    expect(
      tokenEntity.fromImage(passwordFailuresEntity.toItem({ userId: "ann", failedAt: [], lockedUntil: null, pending: {}, version: 1 })),
    ).toBeUndefined();
    expect(tokenEntity.fromImage({ ...keys.deletedTokenExpiryRecorded("tok1"), type: "expiryRecordedMarker" })).toBeUndefined();
  });

  test("every other entity round-trips its record", () => {
    const membership = {
      orgId: "org1",
      userId: "ann",
      name: "Ann",
      permissions: ["p"],
      groups: ["g"],
      sites: ["s"],
      status: "active",
      lastEventAt: "2026-01-01T00:00:00.000Z",
      version: 3,
    } as const;
    const settings = { orgId: "org1", ssoEnforced: true, lastEventAt: "2026-01-01T00:00:00.000Z", version: 1 };
    const serviceUser = {
      orgId: "org1",
      id: "su1",
      name: "bot",
      permissions: ["p"],
      createdAt: "2026-01-01T00:00:00.000Z",
      createdBy: "ann",
      version: 1,
    };
    const record = {
      orgId: "org1",
      id: "e1",
      at: "2026-01-01T00:00:00.000Z",
      action: "token.created",
      actor: { type: "system", id: "system", name: "System" },
      tokenId: "tok1",
    } as const;
    const tokenSet = { orgId: "org1", userId: "ann", tokens: { tok1: "ann" }, version: 2 };
    expect(membershipEntity.fromItem(membershipEntity.toItem(membership))).toEqual(membership);
    expect(organizationSettingsEntity.fromItem(organizationSettingsEntity.toItem(settings))).toEqual(settings);
    expect(serviceUserEntity.fromItem(serviceUserEntity.toItem(serviceUser))).toEqual(serviceUser);
    expect(activityRecordEntity.fromItem(activityRecordEntity.toItem(record))).toEqual(record);
    expect(tokenSetEntity.fromItem(tokenSetEntity.toItem(tokenSet))).toEqual(tokenSet);
    expect(tokenSetEntity.fromMaybeItem("org1", undefined, undefined)).toEqual({ orgId: "org1", tokens: {}, version: 0 });
  });

  test("a password record lives, by TTL, for the domain's failure window after its newest entry (plus a margin)", () => {
    const at = "2026-01-01T00:00:00.000Z";
    const item = passwordFailuresEntity.toItem({ userId: "ann", failedAt: [at], lockedUntil: null, pending: {}, version: 1 });
    expect(item.expiresAt).toBe(Math.ceil((Date.parse(at) + FAILURE_WINDOW_MS) / 1000) + 3600);
  });
});
