import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { membershipEntity } from "./entities/membership.ts";
import type { Item } from "./entities/entity.ts";
import { keyAttributes } from "./keys.ts";
import { isConditionalCheckFailed, unlessUnavailable } from "./store-errors.ts";

/**
 * Brings membership items written before `GET /v1/me` existed up to date, so it finds every membership and names
 * every person:
 * - the `byPerson` index's key attributes, which every membership save writes since;
 * - `nameAt` (when the name was set by a `User Upserted`), where the name is not the placeholder a membership
 *   known only from status events carries (its user id; so a name that differs from it came from an upsert).
 *   The time the upsert happened was never stored: its `lastEventAt` stands in (the newest event applied, so at
 *   or after that upsert). Until such a person's next upsert, `GET /v1/me` may therefore name them by the
 *   organization whose last event was newest rather than whose upsert was; the next upsert makes it exact.
 *
 * One Scan of the tokens table filtered to the membership items that lack either (the only scan in the service,
 * granted to this operator function alone), page by page. Each found item is updated only if it is still at the
 * version the scan read (a save meanwhile wrote the index attributes itself: that item is `skipped`, and a later
 * run finds it if it still lacks `nameAt`). The version is left alone: nothing a save conditions on changes.
 * Idempotent (a second run finds nothing) and resumable (`startAfter`, from the last answer, continues the scan
 * where it stopped; starting over is always right too, only slower).
 */
export interface PersonIndexBackfillInput {
  /** Only count what would be updated (the default of the operator function). */
  readonly dryRun: boolean;
  /** Where the previous run stopped (its `nextStartAfter`); undefined starts at the beginning. */
  readonly startAfter?: string | undefined;
  /** At most this many scan pages (each up to 1 MB, or `pageSize` items read) in this run. */
  readonly maxPages: number;
  /** Items read per scan page. @default 1000 */
  readonly pageSize?: number;
}

export interface PersonIndexBackfillResult {
  readonly dryRun: boolean;
  /** Items the scan read (every type) in this run. */
  readonly scanned: number;
  /** Memberships found without the index attributes (or without `nameAt` though named by an upsert). */
  readonly missing: number;
  /** Of those, updated now (0 in a dry run). */
  readonly updated: number;
  /** Of those, left alone because a save or a deletion got there first. */
  readonly skipped: number;
  /** Give it as `startAfter` to go on; null when the scan reached the end of the table. */
  readonly nextStartAfter: string | null;
  readonly done: boolean;
}

const UPDATES_IN_FLIGHT = 16;
const [INDEX_PK, INDEX_SK] = membershipEntity.personIndexAttributes;
const { partitionKey: PK, sortKey: SK } = keyAttributes;

export async function backfillPersonIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: PersonIndexBackfillInput,
): Promise<PersonIndexBackfillResult> {
  let startKey = input.startAfter === undefined ? undefined : decodeStartKey(input.startAfter);
  let scanned = 0;
  let missing = 0;
  let updated = 0;
  let skipped = 0;
  for (let page = 0; page < input.maxPages; page++) {
    const output = await unlessUnavailable(() =>
      client.send(
        new ScanCommand({
          TableName: tableName,
          Limit: input.pageSize ?? 1000,
          FilterExpression:
            "#type = :membership AND (attribute_not_exists(#indexPk) OR (attribute_not_exists(#nameAt) AND #name <> #userId))",
          ProjectionExpression: "#pk, #sk, orgId, #userId, #name, #nameAt, lastEventAt, version",
          ExpressionAttributeNames: {
            "#type": "type",
            "#indexPk": INDEX_PK,
            "#pk": PK,
            "#sk": SK,
            "#name": "name",
            "#nameAt": "nameAt",
            "#userId": "userId",
          },
          ExpressionAttributeValues: { ":membership": membershipEntity.type },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );
    scanned += output.ScannedCount ?? 0;
    const items = output.Items ?? [];
    missing += items.length;
    if (!input.dryRun) {
      for (let i = 0; i < items.length; i += UPDATES_IN_FLIGHT) {
        const results = await Promise.all(items.slice(i, i + UPDATES_IN_FLIGHT).map((item) => setIndexAttributes(client, tableName, item)));
        updated += results.filter(Boolean).length;
        skipped += results.filter((done) => !done).length;
      }
    }
    startKey = output.LastEvaluatedKey;
    if (!startKey) break;
  }
  return {
    dryRun: input.dryRun,
    scanned,
    missing,
    updated,
    skipped,
    nextStartAfter: startKey ? encodeStartKey(startKey) : null,
    done: !startKey,
  };
}

async function setIndexAttributes(client: DynamoDBDocumentClient, tableName: string, item: Item): Promise<boolean> {
  const indexKey = membershipEntity.personIndexKey({ orgId: item.orgId as string, userId: item.userId as string });
  const named = item.nameAt === undefined && item.name !== item.userId && typeof item.lastEventAt === "string";
  try {
    await unlessUnavailable(() =>
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [PK]: item[PK], [SK]: item[SK] },
          UpdateExpression: `SET #indexPk = :indexPk, #indexSk = :indexSk${named ? ", #nameAt = :nameAt" : ""}`,
          ConditionExpression: "attribute_exists(#pk) AND #type = :membership AND version = :version",
          ExpressionAttributeNames: {
            "#indexPk": INDEX_PK,
            "#indexSk": INDEX_SK,
            "#pk": PK,
            "#type": "type",
            ...(named ? { "#nameAt": "nameAt" } : {}),
          },
          ExpressionAttributeValues: {
            ":indexPk": indexKey[INDEX_PK],
            ":indexSk": indexKey[INDEX_SK],
            ":membership": membershipEntity.type,
            ":version": item.version,
            ...(named ? { ":nameAt": item.lastEventAt } : {}),
          },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** The scan's position, for the operator to paste back: the table key of the last item read, nothing else. */
const encodeStartKey = (key: Item): string => Buffer.from(JSON.stringify({ [PK]: key[PK], [SK]: key[SK] }), "utf8").toString("base64url");

function decodeStartKey(text: string): Item {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const record = key as Record<string, unknown> | undefined;
  if (
    typeof record !== "object" ||
    record === null ||
    Object.keys(record).length !== 2 ||
    typeof record[PK] !== "string" ||
    typeof record[SK] !== "string"
  ) {
    throw new InvalidStartAfter();
  }
  return { [PK]: record[PK], [SK]: record[SK] };
}

/** Whether `text` is a position this backfill gave (`nextStartAfter`). */
export function isStartAfter(text: string): boolean {
  try {
    decodeStartKey(text);
    return true;
  } catch {
    return false;
  }
}

export class InvalidStartAfter extends Error {
  override readonly name = "InvalidStartAfter";
  constructor() {
    super("startAfter is not a position this function gave: paste `nextStartAfter` from its last answer, or leave it out.");
  }
}
