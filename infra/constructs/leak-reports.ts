import { Duration, Validations } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { EventSourceMapping, type IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { createDeadLetterQueue } from "./dead-letter-queue.ts";
import type { MonitoredQueue } from "./service-monitoring.ts";
import { StackPart } from "./stack-part.ts";

export interface LeakReportsProps {
  /** The worker's operation (on-leak-report): names its dead letters' alarm. */
  readonly operation: string;
  /** The worker's timeout: the queue's visibility timeout is six times it (AWS's advice for Lambda consumers). */
  readonly workerTimeout: Duration;
}

/**
 * `POST /v1/revoke-leaked` answers before any lookup and leaves the revocations to a worker: this queue
 * between them (encrypted, TLS only), its dead-letter queue (alarmed, like every dead-letter queue of the
 * stack), and the grants: the route's function may only send to it; the worker consumes it through an event
 * source mapping that reports failed messages one by one.
 */
export class LeakReports extends StackPart {
  readonly queue: Queue;
  readonly deadLetters: MonitoredQueue;

  constructor(scope: Construct, id: string, props: LeakReportsProps) {
    super(scope, id);
    const deadLetterQueue = createDeadLetterQueue(
      this,
      "LeakReportsDeadLetterQueue",
      "the dead-letter queue of the leak reports' queue: reports on-leak-report failed to handle five times",
    );
    this.queue = new Queue(this, "LeakReportsQueue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    this.deadLetters = {
      operation: props.operation,
      queue: deadLetterQueue,
      alarmDescription:
        "Leaked-token reports failed every delivery to on-leak-report and wait in its dead-letter queue (each message " +
        "holds token ids and hashes, never a secret). Find the cause in on-leak-report's logs, then move them back " +
        "with SQS's own DLQ redrive (console: the queue, 'Start DLQ redrive'); revoking is idempotent.",
    };
  }

  /** The route's function sends (SendMessage only, on this queue), the worker consumes. */
  connect(route: IFunction, worker: IFunction): void {
    route.addToRolePolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queue.queueArn] }));
    // Also grants the worker exactly the consumer's actions on this queue.
    worker.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    const mapping = worker.node.children.find((child) => child instanceof EventSourceMapping);
    if (!mapping) throw new Error("on-leak-report: its event source mapping was not made.");
    Validations.of(mapping).acknowledge({
      id: "Serverless-LambdaEventSourceMappingDestination",
      reason:
        "An SQS event source mapping takes no on-failure destination (Lambda supports one only for stream and Kafka " +
        "sources): a report that fails five receives goes to the queue's redrive dead-letter queue, which is alarmed.",
    });
  }
}
