import { Duration } from "aws-cdk-lib";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { FilterCriteria, FilterRule, StartingPosition, type IFunction } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Construct } from "constructs";
import { TOKEN_ITEM } from "../../functions/adapters/dynamodb/entities/token.ts";
import { createDeadLetterQueue } from "./dead-letter-queue.ts";
import type { MonitoredQueue } from "./service-monitoring.ts";
import { StackPart } from "./stack-part.ts";

/** What a token item looks like in the stream's old image while it is still active: the token entity's own values. */
const ACTIVE_TOKEN_ITEM = { type: TOKEN_ITEM.type, status: TOKEN_ITEM.activeStatus } as const;

/**
 * Only deletions by TTL reach on-token-deleted: a REMOVE done by the DynamoDB service itself (TTL), never one
 * made by a function (those carry no userIdentity), and only of token items still active when deleted (not
 * the markers, password-throttle records or revoked tokens that TTL also removes).
 */
const TTL_DELETIONS = FilterCriteria.filter({
  eventName: FilterRule.isEqual("REMOVE"),
  userIdentity: { type: FilterRule.isEqual("Service"), principalId: FilterRule.isEqual("dynamodb.amazonaws.com") },
  dynamodb: {
    OldImage: { type: { S: FilterRule.isEqual(ACTIVE_TOKEN_ITEM.type) }, status: { S: FilterRule.isEqual(ACTIVE_TOKEN_ITEM.status) } },
  },
});

export interface TokenDeletionStreamProps {
  /** The tokens table, with its stream on (OLD_IMAGE: the deleted items are what the handler reads). */
  readonly table: TableV2;
  /** on-token-deleted. */
  readonly handler: IFunction;
  readonly operation: string;
}

/**
 * token.expired for the tokens TTL deletes before anybody found them expired: the tokens table's stream,
 * filtered to TTL deletions, failed records reported one by one (the handler returns batchItemFailures), and
 * what fails every retry parked in a dead-letter queue of its own.
 */
export class TokenDeletionStream extends StackPart {
  readonly deadLetters: MonitoredQueue;

  constructor(scope: Construct, id: string, props: TokenDeletionStreamProps) {
    super(scope, id);
    const queue = createDeadLetterQueue(
      this,
      "OnTokenDeletedDeadLetterQueue",
      "the on-failure destination of on-token-deleted's stream event source mapping, which the mapping does not " +
        "recognise as a DLQ use; its messages describe stream batches and are handled by hand (see the alarm)",
    );
    // Also grants exactly stream read on this table's stream (DescribeStream, GetRecords, GetShardIterator,
    // ListStreams, all on the stream's ARN) and SendMessage on the queue.
    props.handler.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        filters: [TTL_DELETIONS],
        reportBatchItemFailures: true,
        // A failing batch is split until the failing record is alone, so one bad record holds back no others.
        bisectBatchOnError: true,
        retryAttempts: 5,
        // The stream keeps records for 24 hours: older ones are gone anyway.
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(queue),
      }),
    );
    /**
     * Not in DEAD_LETTER_TARGETS: redrive-dead-letters re-invokes a handler with the message body as the event,
     * and these messages are not events but pointers into the stream (shard, sequence-number range), which
     * expire with the stream's 24 hours.
     */
    this.deadLetters = {
      operation: props.operation,
      queue,
      alarmDescription:
        "Batches of TTL deletions failed every retry of on-token-deleted: those tokens' token.expired records may be " +
        "missing. Each message names the stream shard and sequence-number range (not the records, which the stream " +
        "keeps 24 hours). Find the cause in on-token-deleted's logs; redrive-dead-letters does not handle this queue.",
    };
  }
}
