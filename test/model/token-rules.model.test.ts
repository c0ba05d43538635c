import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { beforeAll, test } from "vitest";
import { AdjustableClock } from "../../functions/adapters/clock/clocks.ts";
import { Memberships } from "../../functions/domain/memberships.ts";
import { OrganizationTokens } from "../../functions/domain/organization-tokens.ts";
import { ServiceUsers } from "../../functions/domain/service-users.ts";
import { UserTokens } from "../../functions/domain/user-tokens.ts";
import { TokenVerifier } from "../../functions/domain/verification.ts";
import { DynamoDbTokenStore } from "../../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { FakePasswordCheck, TEST_CURSOR_KEY } from "../support/domain-harness.ts";
import { createTestTable } from "../support/table.ts";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { OUTBOX_EVENTS } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { queries } from "../../functions/adapters/dynamodb/keys.ts";
import type { TokenEvent } from "../../functions/domain/model.ts";
import { ADMIN, ADMIN_PERMISSION, PEOPLE, ORGS, at, type Model, memberKey } from "./support/model.ts";
import type { Real } from "./support/real.ts";
import { commandArb } from "./support/arbitraries.ts";

/**
 * Model-based test of API.md's token rules. fast-check draws random sequences of commands — lifecycle events
 * with random `occurredAt` (so they arrive out of order, and `Redeliver` repeats them), generates and
 * revocations of both kinds, service-user changes, verifications, logins, lists, the clock moving, whole
 * organizations leaving — runs each against the real domain and the real DynamoDB store (DynamoDB Local), and
 * after every command checks the store against a small reference model of the contract:
 *  - at most 10 active user tokens per person per organization, 20 service-user tokens per organization;
 *  - every token is revoked, expired or live exactly as the model says, with the owner's access as of the
 *    newest applied upsert or patch; verification answers exactly as the model predicts;
 *  - lists and counts agree with the model, and so does `GET /v1/me` (the person's active organizations with
 *    admin, SSO and name, and the name of their newest applied upsert);
 *  - every revocation has exactly one `token.revoked` record, every expiry at most one `token.expired`, and
 *    exactly one once a request has found the token expired;
 *  - the outbox holds one event per change of each token, numbered in order with no number twice (API.md
 *    "Token events out"), every eventId its own.
 * The model, the real system and the commands live in ./support/ (model.ts, real.ts, commands.ts).
 * The default run stays inside ~30 s; `FC_RUNS=500 npx vitest run test/model` runs longer, `FC_SEED` (with
 * `FC_PATH`) replays.
 */

let shared: { store: DynamoDbTokenStore; outbox: Real["outbox"] };
beforeAll(async () => {
  const { documentClient, tables } = await createTestTable("model");
  shared = {
    store: new DynamoDbTokenStore(documentClient, tables, { cursorKey: TEST_CURSOR_KEY }),
    // The outbox as the publisher sees it: the events on the organization's activity records, oldest first.
    outbox: async (orgId) => {
      const events: TokenEvent[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documentClient.send(
          new QueryCommand({ TableName: tables.activity, ...queries.activity(orgId), ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        for (const item of page.Items ?? []) events.push(...((item[OUTBOX_EVENTS] as TokenEvent[] | undefined) ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return events;
    },
  };
});

const RUNS = Number(process.env.FC_RUNS ?? 50);

test(`token rules hold under any order of commands and events (${RUNS} runs)`, { timeout: Math.max(120_000, RUNS * 4_000) }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands([commandArb], { maxCommands: 40, size: "medium" }), async (commands) => {
      const run = randomUUID().slice(0, 8);
      const clock = new AdjustableClock();
      const { store, outbox } = shared;
      const passwords = new FakePasswordCheck();
      const uid = (user: string) => `${user}-${run}`;
      for (const { user } of PEOPLE) passwords.passwords.set(uid(user), `pw-${user}`);
      const deps = { store, clock };
      const real: Real = {
        orgIds: { A: `org-${run}-a`, B: `org-${run}-b` },
        uid,
        clock,
        store,
        memberships: new Memberships(deps),
        userTokens: new UserTokens({ ...deps, passwordCheck: passwords }),
        serviceUsers: new ServiceUsers(deps),
        organizationTokens: new OrganizationTokens(deps),
        verifier: new TokenVerifier(deps),
        passwords,
        outbox,
      };
      const model: Model = {
        uid,
        now: clock.now().getTime(),
        orgs: {
          A: { deleted: false, lastEventAt: -Infinity, ssoEnforced: false, name: null },
          B: { deleted: false, lastEventAt: -Infinity, ssoEnforced: false, name: null },
        },
        throttle: new Map(),
        members: new Map(),
        tokens: [],
        serviceUsers: [],
        delivered: [],
      };
      // Each organization has an admin that no generated event touches (only a deletion of the organization).
      for (const org of ORGS) {
        const adminAccess = { name: "Grace", permissions: [ADMIN_PERMISSION], groups: [], sites: [] };
        await real.memberships.applyUserUpserted({ orgId: real.orgIds[org], userId: uid(ADMIN), ...adminAccess, occurredAt: at(0) });
        model.members.set(memberKey(org, ADMIN), { status: "active", lastEventAt: 0, access: adminAccess, nameAt: 0 });
      }
      // The model's clock is the real one, read once: only commands move it afterwards.
      clock.setOffsetSeconds(0);
      const frozen = clock.now().getTime();
      clock.now = () => new Date(frozen + clock.offsetSeconds * 1000);
      model.now = frozen;
      await fc.asyncModelRun(() => ({ model, real }), commands);
    }),
    {
      numRuns: RUNS,
      ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}),
      verbose: 1,
    },
  );
});
