import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { membershipEntity } from "./entities/membership.ts";
import type { Item } from "./entities/entity.ts";
import { keyAttributes } from "./keys.ts";
import { isConditionalCheckFailed, unlessUnavailable } from "./store-errors.ts";

/**
 * Gives membership items written before the `byPerson` index existed its key attributes, so `GET /v1/me` finds
 * every membership. Every membership save writes them since; this visits the rest once.
 *
 * One Scan of the tokens table filtered to membership items without the attributes (the only scan in the
 * service, granted to this operator function alone), page by page. Each found item gets them by an update
 * conditioned on the item still being a membership without them, so it never recreates a deleted item and never
 * touches one a save rewrote meanwhile (a save writes them itself). The version is left alone: the update changes
 * nothing the domain reads. Idempotent (a second run finds nothing) and resumable (`startAfter`, from the last
 * answer, continues the scan where it stopped; starting over is always right too, only slower).
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
  /** Memberships found without the index attributes. */
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
          FilterExpression: "#type = :membership AND attribute_not_exists(#indexPk)",
          ProjectionExpression: "#pk, #sk, orgId, userId",
          ExpressionAttributeNames: { "#type": "type", "#indexPk": INDEX_PK, "#pk": PK, "#sk": SK },
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
  try {
    await unlessUnavailable(() =>
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [PK]: item[PK], [SK]: item[SK] },
          UpdateExpression: "SET #indexPk = :indexPk, #indexSk = :indexSk",
          ConditionExpression: "attribute_exists(#pk) AND #type = :membership AND attribute_not_exists(#indexPk)",
          ExpressionAttributeNames: { "#indexPk": INDEX_PK, "#indexSk": INDEX_SK, "#pk": PK, "#type": "type" },
          ExpressionAttributeValues: {
            ":indexPk": indexKey[INDEX_PK],
            ":indexSk": indexKey[INDEX_SK],
            ":membership": membershipEntity.type,
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
