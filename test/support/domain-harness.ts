import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DomainError } from "../../functions/domain/errors.ts";
import { AdjustableClock } from "../../functions/adapters/clock/clocks.ts";
import { DynamoDbTokenStore } from "../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { Memberships } from "../../functions/domain/memberships.ts";
import type { PasswordCheck, SessionPerson } from "../../functions/domain/ports.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { createTestTable } from "./table.ts";

/**
 * A password check double: the identity provider is a port; its real adapters are tested on their own.
 * It knows people by platform id, and remembers who it was asked about (what the session said).
 */
export class FakePasswordCheck implements PasswordCheck {
  readonly passwords = new Map<string, string>();
  readonly askedAbout: SessionPerson[] = [];
  async verify(person: SessionPerson, password: string) {
    this.askedAbout.push(person);
    return this.passwords.get(person.userId) === password;
  }
}

/** Seals the harness's list cursors (a deployment's comes from its own secret). */
export const TEST_CURSOR_KEY = "test-cursor-key-not-a-secret-0123456789";

/** What a domain call ended in: "ok", a DomainError's code, or the unexpected error (which no test expects). */
export const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "ok",
    (error: unknown) => (error instanceof DomainError ? error.code : `unexpected ${(error as Error).name}: ${(error as Error).message}`),
  );

/**
 * Points the handler modules (which read their configuration from the environment at import) at this
 * harness's tables, quietly; `overrides` adds or replaces settings. Import the handlers after calling it.
 */
export function configureHandlersFor(h: { tables: { tokens: string; activity: string } }, overrides: Record<string, string> = {}) {
  Object.assign(process.env, {
    TABLE_NAME: h.tables.tokens,
    ACTIVITY_TABLE_NAME: h.tables.activity,
    DYNAMODB_ENDPOINT: inject("dynamoDbEndpoint"),
    METRICS_DISABLED: "true",
    LOG_LEVEL: "SILENT",
    // revoke-leaked's reports: the worker in this process, as the local server runs it (no SQS).
    LEAK_REPORTS_SINK: "in-process",
    ...overrides,
  });
}

/** The domain wired to the real DynamoDB adapter on a fresh DynamoDB Local table. */
export async function createDomainHarness(
  options: { wrapClient?: (client: DynamoDBDocumentClient) => DynamoDBDocumentClient; outboxStream?: boolean } = {},
) {
  const { documentClient, tableName, tables } = await createTestTable("domain", { outboxStream: options.outboxStream ?? false });
  const client = options.wrapClient ? options.wrapClient(documentClient) : documentClient;
  const store = new DynamoDbTokenStore(client, tables, { cursorKey: TEST_CURSOR_KEY });
  const clock = new AdjustableClock();
  const passwordCheck = new FakePasswordCheck();
  const memberships = new Memberships({ store, clock });
  let eventTime = Date.parse("2026-01-01T00:00:00Z");
  return {
    store,
    clock,
    passwordCheck,
    documentClient,
    tableName,
    tables,
    memberships,
    userTokens: new UserTokens({ store, clock, passwordCheck }),
    verifier: new TokenVerifier({ store, clock }),
    /** A member with a password; events get increasing `occurredAt`. */
    async addMember(
      orgId: string,
      userId: string,
      access: { name?: string; permissions?: string[]; groups?: string[]; sites?: string[] } = {},
    ) {
      eventTime += 1000;
      passwordCheck.passwords.set(userId, `pw-${userId}`);
      await memberships.applyUserUpserted({
        orgId,
        userId,
        name: access.name ?? `Person ${userId}`,
        permissions: access.permissions ?? ["reports:read"],
        groups: access.groups ?? ["finance"],
        sites: access.sites ?? ["london"],
        occurredAt: new Date(eventTime).toISOString(),
      });
      return { orgId, userId, password: `pw-${userId}` };
    },
    /** Revokes as this person (their membership there, or an empty one where they have none). */
    async revoke(person: { orgId: string; userId: string; tokenId: string }) {
      const membership = (await store.getMembership(person.orgId, person.userId)) ?? {
        orgId: person.orgId,
        userId: person.userId,
        name: "Nobody",
        permissions: [],
        groups: [],
        sites: [],
        status: "active" as const,
        lastEventAt: "2026-01-01T00:00:00.000Z",
        version: 1,
      };
      return this.userTokens.revoke({ membership, tokenId: person.tokenId });
    },
    /** A new organization with an admin (`api-tokens:admin`) in it; returns the admin's membership. */
    async newAdmin() {
      const orgId = `org-${randomUUID().slice(0, 8)}`;
      await this.addMember(orgId, "admin", { name: "Ada Admin", permissions: ["api-tokens:admin"] });
      return (await store.getMembership(orgId, "admin"))!;
    },
    nextEventTime() {
      eventTime += 1000;
      return new Date(eventTime).toISOString();
    },
  };
}
