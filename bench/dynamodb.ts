/**
 * The bench's own in-memory DynamoDB Local on a free port, the service's two tables from their shared
 * definitions, and the data every measurement uses: an SSO-enforced organization with one active member,
 * whose user tokens are made through the domain (as the service makes them).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import getPort from "get-port";
import { systemClock } from "../functions/adapters/clock/clocks.ts";
import { createDocumentClient } from "../functions/adapters/dynamodb/client.ts";
import { DynamoDbTokenStore, type TableNames } from "../functions/adapters/dynamodb/dynamodb-token-store.ts";
import { Memberships } from "../functions/domain/memberships.ts";
import { UserTokens } from "../functions/domain/user-tokens.ts";
import { ensureTables } from "../local/create-table.ts";
import { startDynamoDbLocal } from "../local/dynamodb-local.ts";

export const ORG_ID = "bench-org";
export const USER_ID = "bench-user";
/** Seals list cursors in the store the bench writes through (not a secret). */
export const BENCH_CURSOR_KEY = "bench-cursor-key-not-a-secret-0123456789";

export interface BenchDatabase {
  readonly endpoint: string;
  readonly tables: TableNames;
  /** The whole store, for seeding and the generate measurement. */
  readonly store: DynamoDbTokenStore;
  readonly userTokens: UserTokens;
  /** A new user token of the bench's member: its secret and id. */
  newUserToken(name: string): Promise<{ secret: string; tokenId: string }>;
  stop(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dynamo = await startDynamoDbLocal({ port: await getPort() });
  try {
    const tables: TableNames = { tokens: "bench-tokens", activity: "bench-tokens-activity" };
    const admin = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await ensureTables(admin, tables);
    admin.destroy();

    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    const store = new DynamoDbTokenStore(client, tables, { cursorKey: BENCH_CURSOR_KEY });
    const memberships = new Memberships({ store, clock: systemClock });
    const occurredAt = new Date().toISOString();
    await memberships.applyUserUpserted({
      orgId: ORG_ID,
      userId: USER_ID,
      name: "Bench Person",
      permissions: ["reports:read", "reports:write"],
      groups: ["finance"],
      sites: ["london"],
      occurredAt,
    });
    // SSO enforced: a user token needs no password re-check, so no identity provider takes part.
    await memberships.applyOrganizationSettingsChanged({ orgId: ORG_ID, ssoEnforced: true, occurredAt });
    const userTokens = new UserTokens({
      store,
      clock: systemClock,
      passwordCheck: {
        verify: () => Promise.reject(new Error("bench: the organization enforces SSO, no password check expected")),
      },
    });

    return {
      endpoint: dynamo.endpoint,
      tables,
      store,
      userTokens,
      async newUserToken(name) {
        const { secret, token } = await userTokens.generate({ orgId: ORG_ID, userId: USER_ID, name });
        return { secret, tokenId: token.id };
      },
      async stop() {
        client.destroy();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
