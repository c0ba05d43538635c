import { Duration } from "aws-cdk-lib";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { FilterCriteria, FilterRule, StartingPosition, type IFunction } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Construct } from "constructs";
import { OUTBOX_FLAG } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { createDeadLetterQueue } from "./dead-letter-queue.ts";
import type { MonitoredQueue, MonitoredStreamConsumer } from "./service-monitoring.ts";
import { StackPart } from "./stack-part.ts";

/**
 * Only inserted outbox items reach publish-token-events: an INSERT whose new image carries the outbox flag
 * (activity records with events, expiry warnings). Activity records without events, and any MODIFY or REMOVE,
 * never invoke it (the table is append-only: an item is published once, when it is written).
 */
const OUTBOX_INSERTS = FilterCriteria.filter({
  eventName: FilterRule.isEqual("INSERT"),
  dynamodb: { NewImage: { [OUTBOX_FLAG]: { BOOL: FilterRule.isEqual(true) } } },
});

/** How late publishing may run (the stream's oldest record not yet handed over) before the lateness alarm. */
export const MAX_PUBLISHING_DELAY = Duration.minutes(5);

export interface TokenEventsStreamProps {
  /** The activity table, with its stream on (NEW_IMAGE: the inserted items are what the handler reads). */
  readonly table: TableV2;
  /** publish-token-events. */
  readonly handler: IFunction;
  readonly operation: string;
  /** Where the token events go: the handler may put events on this bus and no other. */
  readonly eventBus: IEventBus;
}

/**
 * The token events out (API.md "Token events out"): the activity table is the outbox, its stream filtered to
 * inserted outbox items feeds publish-token-events, which puts each item's events on the bus. Publishing must
 * not give up early: failed records are reported one by one and retried many times (a bus briefly throttling
 * or unreachable costs lateness, not events); what fails every retry is parked in a dead-letter queue of its
 * own, and the function's iterator age is alarmed (the events are late).
 */
export class TokenEventsStream extends StackPart {
  readonly deadLetters: MonitoredQueue;
  readonly lateness: MonitoredStreamConsumer;

  constructor(scope: Construct, id: string, props: TokenEventsStreamProps) {
    super(scope, id);
    const queue = createDeadLetterQueue(
      this,
      "PublishTokenEventsDeadLetterQueue",
      "the on-failure destination of publish-token-events' stream event source mapping, which the mapping does not " +
        "recognise as a DLQ use; its messages describe stream batches and are handled by hand (see the alarm)",
    );
    // Also grants exactly stream read on this table's stream (DescribeStream, GetRecords, GetShardIterator,
    // ListStreams, all on the stream's ARN) and SendMessage on the queue.
    props.handler.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        filters: [OUTBOX_INSERTS],
        reportBatchItemFailures: true,
        // A failing batch is split until the failing record is alone, so one bad record holds back no others.
        bisectBatchOnError: true,
        // Many more tries than on-token-deleted's: an event given up is an event subscribers never see.
        retryAttempts: 10,
        // The stream keeps records for 24 hours: older ones are gone anyway.
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(queue),
      }),
    );
    // events:PutEvents on this one bus (its ARN), nothing else of EventBridge.
    props.eventBus.grantPutEventsTo(props.handler);
    /**
     * Not in DEAD_LETTER_TARGETS: redrive-dead-letters re-invokes a handler with the message body as the event,
     * and these messages are not events but pointers into the stream (shard, sequence-number range), which
     * expire with the stream's 24 hours.
     */
    this.deadLetters = {
      operation: props.operation,
      queue,
      alarmDescription:
        "Batches of outbox items failed every retry of publish-token-events: their token events were NOT published, " +
        "and subscribers will not see them. Each message names the activity table's stream shard and sequence-number " +
        "range (not the records: the stream keeps them 24 hours, the activity table keeps the items and their " +
        "`events`). Find the cause in publish-token-events' logs; redrive-dead-letters does not handle this queue.",
    };
    this.lateness = {
      operation: props.operation,
      function: props.handler,
      maxIteratorAge: MAX_PUBLISHING_DELAY,
      alarmDescription:
        `publish-token-events is more than ${MAX_PUBLISHING_DELAY.toMinutes()} minutes behind the activity table's ` +
        "stream: token events are published late (a record still unpublished after the stream's 24 hours goes to the " +
        "dead-letter queue instead). " +
        "Look for errors, throttles or retries in its logs, and at the event bus's PutEvents limits.",
    };
  }
}
