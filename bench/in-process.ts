/**
 * The in-process figures, side by side in one process against the bench's DynamoDB Local:
 * - floor: a raw strongly consistent GetItem of the hot token's item (p50, p99; its rate with 16 in flight is
 *   measured beside the HTTP run, http.ts);
 * - verify: the verify handler (an API Gateway v2 event, as API Gateway sends it) on the same hot user token,
 *   with the store's reads and writes counted at the adapter's document client;
 * - generate: the domain's `UserTokens.generate` for an SSO-enforced organization (no password check, so no
 *   identity provider in the figure), each token revoked right after (untimed) so the 10-token limit never bites.
 * Floor and verify samples are taken in alternating chunks, so the machine's noise hits both alike.
 */
import { systemClock } from "../functions/adapters/clock/clocks.ts";
import { createDocumentClient } from "../functions/adapters/dynamodb/client.ts";
import { createTokenUseRepository } from "../functions/adapters/dynamodb/dynamodb-token-use.ts";
import { TokenVerifier } from "../functions/domain/verification.ts";
import { countOperations } from "./counting-client.ts";
import { type BenchDatabase, ORG_ID, USER_ID } from "./dynamodb.ts";
import { timed, tokenGetItem } from "./floor.ts";
import { mustBeFinite, percentile, progress, round } from "./stats.ts";
import { benchContext, verifyEvent } from "./verify-event.ts";

export interface InProcessSizes {
  readonly warmUp: number;
  /** Measured calls of each, floor GetItem and verify. */
  readonly samples: number;
  readonly generates: number;
}

export interface InProcessFigures {
  floor: { getItemP50Ms: number; getItemP99Ms: number };
  verify: { p50Ms: number; p99Ms: number; meanMs: number; readsPerCall: number; writesPerCall: number };
  generate: { p50Ms: number; p99Ms: number };
}

/** Floor and verify take turns in chunks this small, so a burst of load on the machine hits both alike. */
const CHUNK = 10;

export async function measureInProcess(db: BenchDatabase, sizes: InProcessSizes): Promise<InProcessFigures> {
  // Imported here, after main set the environment the handler module reads at import (runtime.ts, logger.ts).
  const { verifyHandler } = await import("../functions/api/verify-token.ts");
  const hot = await db.newUserToken("bench in-process");
  const floor = tokenGetItem(db.endpoint, db.tables, hot.tokenId);
  const client = createDocumentClient({ endpoint: db.endpoint });
  const counting = countOperations(client);
  const handler = verifyHandler(new TokenVerifier({ store: createTokenUseRepository(client, db.tables), clock: systemClock }));
  const event = verifyEvent(hot.secret, ORG_ID) as never;
  const verify = () =>
    timed(async () => {
      const result = (await handler(event, benchContext)) as { statusCode?: number; body?: string };
      if (result.statusCode !== 200 || JSON.parse(result.body ?? "{}").valid !== true) {
        throw new Error(`bench: verify answered ${result.statusCode}: ${result.body}`);
      }
    });

  try {
    progress(`in-process: floor GetItem and verify, ${sizes.samples} each, alternating`);
    for (let i = 0; i < sizes.warmUp; i++) {
      await floor.getItem();
      await verify();
    }
    // The hot token's first use was recorded during warm-up: from here on, what a hot token costs.
    counting.reset();
    const floorSamples: number[] = [];
    const verifySamples: number[] = [];
    for (let done = 0; done < sizes.samples; done += CHUNK) {
      const size = Math.min(CHUNK, sizes.samples - done);
      for (let i = 0; i < size; i++) floorSamples.push(await floor.getItem());
      for (let i = 0; i < size; i++) verifySamples.push(await verify());
    }
    const { reads, writes } = counting.counts;
    if (reads === 0) throw new Error("bench: the counting client saw no read: the store does not use it.");

    progress(`in-process: generate (domain, SSO-enforced organization), ${sizes.generates}`);
    const generateSamples = await measureGenerate(db, sizes.generates);

    return {
      floor: {
        getItemP50Ms: round(mustBeFinite("floor.getItemP50Ms", percentile(floorSamples, 50))),
        getItemP99Ms: round(mustBeFinite("floor.getItemP99Ms", percentile(floorSamples, 99))),
      },
      verify: {
        p50Ms: round(mustBeFinite("verify.p50Ms", percentile(verifySamples, 50))),
        p99Ms: round(mustBeFinite("verify.p99Ms", percentile(verifySamples, 99))),
        meanMs: round(mustBeFinite("verify.meanMs", verifySamples.reduce((sum, x) => sum + x, 0) / verifySamples.length)),
        readsPerCall: round(reads / verifySamples.length, 4),
        writesPerCall: round(writes / verifySamples.length, 4),
      },
      generate: {
        p50Ms: round(mustBeFinite("generate.p50Ms", percentile(generateSamples, 50))),
        p99Ms: round(mustBeFinite("generate.p99Ms", percentile(generateSamples, 99))),
      },
    };
  } finally {
    floor.close();
    client.destroy();
  }
}

/** Generate timed; the revoke after it is not. A few untimed rounds first warm the path. */
async function measureGenerate(db: BenchDatabase, count: number): Promise<number[]> {
  const membership = await db.store.getMembership(ORG_ID, USER_ID);
  if (!membership) throw new Error("bench: the bench's member is missing.");
  const samples: number[] = [];
  const warmUp = Math.min(5, count);
  for (let i = 0; i < warmUp + count; i++) {
    let tokenId = "";
    const took = await timed(async () => {
      tokenId = (await db.userTokens.generate({ orgId: ORG_ID, userId: USER_ID, name: `bench generate ${i}` })).token.id;
    });
    await db.userTokens.revoke({ membership, tokenId });
    if (i >= warmUp) samples.push(took);
  }
  return samples;
}

/**
 * Runs `work` with this process's stdout going nowhere: whatever a function writes (a log line, a metrics
 * line) cannot reach the bench's output. Returns what was written, in bytes, so it can be reported.
 */
export async function withStdoutDiscarded<T>(work: () => Promise<T>): Promise<{ result: T; discardedBytes: number }> {
  const write = process.stdout.write;
  let discardedBytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    discardedBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await work(), discardedBytes };
  } finally {
    process.stdout.write = write;
  }
}
