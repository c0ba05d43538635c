import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { randomUUID } from "node:crypto";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { OUTBOX_FLAG } from "../functions/adapters/dynamodb/entities/activity-record.ts";
import { publishTokenEventsFunction } from "../infra/ops/operator-functions.ts";
import { lambdaContext, loadHandler } from "./lambda-invoke.ts";

type Publisher = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/**
 * The local stand-in for the activity table's stream event source mapping (API.md "Token events out"): reads
 * the outbox's stream from DynamoDB Local, passes the inserted outbox items (the mapping's filter) to the
 * publisher function in batches, and, like the mapping, retries from a record the publisher reported failed.
 * The publisher then puts the events on the local bus, which keeps what it was given for
 * `GET /local/published-events`. It runs when asked (`drain`), so a test reads every event of what it did.
 */
export class LocalTokenEventsPump {
  private readonly client: DynamoDBStreamsClient;
  /** Per shard: the sequence number of the last record handled. */
  private readonly handled = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      endpoint: string;
      streamArn: () => Promise<string>;
      publisher: () => Promise<Publisher>;
      context: () => Context;
      log: (entry: Record<string, unknown>) => void;
    },
  ) {
    this.client = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  }

  /** Publishes everything written to the outbox so far; one drain at a time. */
  drain(): Promise<void> {
    const next = this.running.then(() => this.drainOnce());
    this.running = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.client.destroy();
  }

  private async drainOnce(): Promise<void> {
    const streamArn = await this.options.streamArn();
    const { StreamDescription } = await this.client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    // Parents first: a shard's records come before its children's.
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      const after = this.handled.get(shardId);
      let { ShardIterator: iterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after } : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
      );
      while (iterator) {
        const page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
        const records = page.Records ?? [];
        if (records.length === 0) break;
        const failedAt = await this.publish(records);
        if (failedAt !== undefined) {
          // As the event source mapping does: what follows the failed record waits for the next attempt.
          const before = records[failedAt - 1]?.dynamodb?.SequenceNumber;
          if (before) this.handled.set(shardId, before);
          return;
        }
        this.handled.set(shardId, records.at(-1)!.dynamodb!.SequenceNumber!);
        iterator = page.NextShardIterator;
      }
    }
  }

  /** The index of the first record the publisher reported failed, or undefined when all went out. */
  private async publish(records: StreamRecord[]): Promise<number | undefined> {
    const outbox = records.filter(isOutboxInsert).map(toLambdaRecord);
    if (outbox.length === 0) return undefined;
    const publisher = await this.options.publisher();
    const { batchItemFailures } = await publisher({ Records: outbox }, this.options.context());
    if (batchItemFailures.length === 0) return undefined;
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    this.options.log({ level: "warn", message: "token events not published; retried at the next drain", failed: failed.size });
    return records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ""));
  }
}

/** The event source mapping's filter (infra/constructs/token-events-stream.ts): inserted outbox items only. */
const isOutboxInsert = (record: StreamRecord): boolean =>
  record.eventName === "INSERT" && record.dynamodb?.NewImage?.[OUTBOX_FLAG]?.BOOL === true;

/** A stream record as Lambda hands it over (the same fields; times as epoch seconds). */
function toLambdaRecord(record: StreamRecord): DynamoDBRecord {
  const { dynamodb } = record;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord["eventName"],
    eventSource: "aws:dynamodb",
    eventVersion: record.eventVersion,
    awsRegion: "local",
    dynamodb: {
      Keys: dynamodb?.Keys as never,
      NewImage: dynamodb?.NewImage as never,
      SequenceNumber: dynamodb?.SequenceNumber,
      SizeBytes: dynamodb?.SizeBytes,
      StreamViewType: dynamodb?.StreamViewType,
      ApproximateCreationDateTime: dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
  };
}

/**
 * The pump for the local server: the activity table's stream in DynamoDB Local, and the publisher function
 * loaded at its first use (it reads EVENT_BUS_NAME and EVENT_BUS_ENDPOINT from the environment then).
 */
export function localTokenEventsPump(options: {
  dynamoDbEndpoint: string;
  activityTableName: string;
  repositoryRoot: string;
  log: (entry: Record<string, unknown>) => void;
}): LocalTokenEventsPump {
  let publisher: Promise<Publisher> | undefined;
  let streamArn: Promise<string> | undefined;
  // The table's stream does not change while the server runs: described once, at the first drain.
  const describeStream = async () => {
    const client = new DynamoDBClient({
      endpoint: options.dynamoDbEndpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: options.activityTableName }));
      if (!Table?.LatestStreamArn) throw new Error(`${options.activityTableName} has no stream: the outbox cannot be read.`);
      return Table.LatestStreamArn;
    } finally {
      client.destroy();
    }
  };
  return new LocalTokenEventsPump({
    endpoint: options.dynamoDbEndpoint,
    streamArn: () =>
      // A failed description is tried again at the next drain.
      (streamArn ??= describeStream().catch((error: unknown) => {
        streamArn = undefined;
        throw error;
      })),
    publisher: () =>
      (publisher ??= loadHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
        options.repositoryRoot,
        publishTokenEventsFunction.handlerModule,
      )),
    context: () => lambdaContext(publishTokenEventsFunction.operation, randomUUID(), publishTokenEventsFunction.timeoutSeconds),
    log: options.log,
  });
}
