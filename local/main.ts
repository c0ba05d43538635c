/**
 * `npm start`: the whole service on one machine. DynamoDB Local (data kept in `.local-data/` between
 * restarts), the table from the shared definition, the API on http://127.0.0.1:3000 (PORT overrides), the
 * web page at `/`, the EventBridge PutEvents endpoint, the local identity provider and the test clock.
 *
 * Environment (all optional): PORT, HOST, LOCAL_DATA_DIR, LOCAL_IN_MEMORY=1 (keep nothing),
 * DYNAMODB_ENDPOINT (use a running DynamoDB Local instead of starting one), TABLE_NAME and
 * ACTIVITY_TABLE_NAME (default: TABLE_NAME + "-activity"), CURSOR_KEY (seals list cursors; default: a fixed
 * development key).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import getPort from "get-port";
import { testClock } from "../functions/adapters/clock/clocks.ts";
import { backfillPersonIndex } from "../functions/adapters/dynamodb/person-index-backfill.ts";
import { buildWebPage } from "../web/build.ts";
import { banner } from "./banner.ts";
import { ensureTables } from "./create-table.ts";
import { JavaMissingError, startDynamoDbLocal, type RunningDynamoDbLocal } from "./dynamodb-local.ts";
import { LocalIdentityProvider } from "./identity-provider.ts";
import { startLocalServer } from "./server.ts";

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
const inMemory = process.env.LOCAL_IN_MEMORY === "1";
const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? join(repositoryRoot, ".local-data"));
const tableName = process.env.TABLE_NAME ?? "api-tokens-local";
const activityTableName = process.env.ACTIVITY_TABLE_NAME ?? `${tableName}-activity`;
const baseUrl = `http://${host}:${port}`;
/** Not a secret: local mode only. A deployment's cursor key is a secret the CDK stack generates. */
const LOCAL_CURSOR_KEY = "local-development-cursor-key-not-a-secret";

const log = (entry: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), service: "local-server", ...entry })}\n`);

let dynamoDb: RunningDynamoDbLocal | undefined;

async function main() {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${process.env.PORT}"`);
  if (!inMemory) await mkdir(dataDir, { recursive: true, mode: 0o700 });

  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    if (!inMemory) await mkdir(join(dataDir, "dynamodb"), { recursive: true, mode: 0o700 });
    dynamoDb = await startDynamoDbLocal({
      port: await getPort({ port: 8000 }),
      ...(inMemory ? {} : { dataPath: join(dataDir, "dynamodb") }),
    });
    endpoint = dynamoDb.endpoint;
  }
  const client = new DynamoDBClient({ endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const tables = await ensureTables(client, { tokens: tableName, activity: activityTableName });
  if (tables.tokens === "existed") {
    // Data kept from an earlier version: what the operator runs after a deploy (README "Deploy"), done here at
    // once. Idempotent, and a scan of a small local table: memberships without the person index's attributes get them.
    const documents = DynamoDBDocumentClient.from(client);
    for (let startAfter: string | undefined, done = false; !done; ) {
      const run = await backfillPersonIndex(documents, tableName, { dryRun: false, maxPages: 100, startAfter });
      done = run.done;
      startAfter = run.nextStartAfter ?? undefined;
    }
  }
  client.destroy();

  // The test clock survives restarts, so tokens made "in the future" stay consistent with it.
  const clockFile = join(dataDir, "clock.json");
  if (!inMemory) {
    const saved: { offsetSeconds?: number } = await readFile(clockFile, "utf8").then(
      (text) => JSON.parse(text) as { offsetSeconds?: number },
      () => ({}),
    );
    testClock.setOffsetSeconds(saved.offsetSeconds ?? 0);
  }

  // The handler modules read this at cold start, as a Lambda reads what CDK set.
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    ACTIVITY_TABLE_NAME: activityTableName,
    DYNAMODB_ENDPOINT: endpoint,
    CLOCK: "test",
    // The handlers check passwords with the identity provider below, in this process (startLocalServer registers it).
    PASSWORD_CHECK: "local",
    // SESSION_USER_ID_CLAIM is left as this process got it: unset means `sub`, which is what the local identity
    // provider's ID tokens carry (sub = userId). Naming another claim makes its sessions 401, as it would in AWS.
    // Seals list cursors. A fixed development key, so cursors outlive a restart; the stack generates its own.
    CURSOR_KEY: process.env.CURSOR_KEY ?? LOCAL_CURSOR_KEY,
    AWS_REGION: process.env.AWS_REGION ?? "local",
    SERVICE_NAME: "api-token-service",
    // No SQS locally: POST /v1/revoke-leaked runs the queue worker's code in this process right after answering.
    LEAK_REPORTS_SINK: "in-process",
    // The token events go to this server's stand-in for EventBridge, which keeps them for GET /local/published-events.
    EVENT_BUS_NAME: "default",
    EVENT_BUS_ENDPOINT: `${baseUrl}/local/eventbridge`,
    // Metrics are CloudWatch EMF lines: in AWS they become metrics, locally they would only be noise.
    METRICS_DISABLED: process.env.METRICS_DISABLED ?? "true",
  });

  const identityProvider = await LocalIdentityProvider.open({
    issuer: `${baseUrl}/local/idp`,
    audience: "api-token-service-local",
    clock: testClock,
    ...(inMemory ? {} : { stateFile: join(dataDir, "identity-provider.json") }),
  });

  // The web page, built afresh at every start (esbuild takes well under a second), so it is never stale.
  const webSiteDir = inMemory ? await mkdtemp(join(tmpdir(), "api-tokens-web-")) : join(dataDir, "web");
  buildWebPage({ outDir: webSiteDir });

  const server = await startLocalServer({
    webSiteDir,
    host,
    port,
    repositoryRoot,
    identityProvider,
    clock: testClock,
    // Exact redirect URIs for the local sign-in (OpenID Connect); default: this server's `/` and `/auth/callback`.
    ...(process.env.LOCAL_OIDC_REDIRECT_URIS
      ? {
          oidcRedirectUris: process.env.LOCAL_OIDC_REDIRECT_URIS.split(",")
            .map((uri) => uri.trim())
            .filter(Boolean),
        }
      : {}),
    log,
    tokenEvents: { dynamoDbEndpoint: endpoint, activityTableName },
    onClockAdvanced: inMemory
      ? undefined
      : () => writeFile(clockFile, JSON.stringify({ offsetSeconds: testClock.offsetSeconds }), { mode: 0o600 }),
  });

  const stop = async (signal: string) => {
    log({ level: "info", message: `stopping (${signal})` });
    await server.close().catch(() => undefined);
    await dynamoDb?.stop();
    if (inMemory) await rm(webSiteDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  log({
    level: "info",
    message: "listening",
    url: server.url,
    tables: { [tableName]: tables.tokens, [activityTableName]: tables.activity },
    dynamoDbEndpoint: endpoint,
    dataDir: inMemory ? null : dataDir,
  });
  if (process.env.LOCAL_BANNER !== "0") process.stdout.write(banner(server.url, inMemory ? undefined : dataDir));
}

main().catch(async (error: unknown) => {
  await dynamoDb?.stop().catch(() => undefined);
  if (error instanceof JavaMissingError) {
    process.stderr.write(`\n${error.message}\n\n`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    process.stderr.write(`\nPort ${port} is in use. Stop what holds it, or start on another port: PORT=3001 npm start\n\n`);
  } else {
    process.stderr.write(`\nThe local service could not start: ${(error as Error).stack ?? String(error)}\n\n`);
  }
  process.exit(1);
});
