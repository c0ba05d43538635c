import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod/mini";
import { englishMessage } from "../domain/schemas.ts";
import { logger } from "../platform/logger.ts";
import { operatorHandler } from "../platform/operator-handler.ts";

/**
 * Operator function, run from the AWS console: hands the events parked in a lifecycle handler's dead-letter
 * queue back to that handler. The handlers are idempotent and ignore stale events, so redriving is safe
 * even for an event that later succeeded. `dryRun: true` (the default) only shows what would be redriven.
 *
 * A queue holds two kinds of message: events EventBridge could not deliver (the body is the event) and
 * invocations that failed after Lambda's retries (the body is a record whose `requestPayload` is the event).
 */
// Set by the stack; a wrong value fails the cold start, in zod's English words.
const targets = z
  .array(z.object({ name: z.string(), queueUrl: z.string(), functionName: z.string() }))
  .parse(JSON.parse(process.env.DEAD_LETTER_TARGETS ?? "[]"), { error: englishMessage });

const input = z.strictObject({
  /** The handler whose queue to redrive, e.g. "on-user-deactivated". */
  handler: z.enum(targets.length > 0 ? (targets.map((t) => t.name) as [string, ...string[]]) : ["none"]),
  maxMessages: z._default(z.int().check(z.minimum(1), z.maximum(100)), 10),
  dryRun: z._default(z.boolean(), true),
});

const sqs = new SQSClient({});
const lambda = new LambdaClient({});

/** The original EventBridge event inside a dead-letter message, or undefined if it holds none. */
export function eventOf(body: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const event = (parsed.requestPayload ?? parsed) as Record<string, unknown>;
    return typeof event === "object" && event !== null && typeof event["detail-type"] === "string" && typeof event.source === "string"
      ? event
      : undefined;
  } catch {
    return undefined;
  }
}

export const handler = operatorHandler({
  input,
  help: () => ({ handlers: targets.map((t) => t.name) }),
  run: redrive,
});

async function redrive({ handler: name, maxMessages, dryRun }: z.output<typeof input>) {
  const target = targets.find((t) => t.name === name)!;
  const summary = { handler: name, dryRun, redriven: [] as string[], unreadable: [] as string[], seen: 0 };
  while (summary.seen < maxMessages) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.queueUrl,
        MaxNumberOfMessages: Math.min(10, maxMessages - summary.seen),
        // A dry run only peeks: the messages become visible again at once.
        VisibilityTimeout: dryRun ? 0 : 60,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      summary.seen++;
      const event = eventOf(message.Body ?? "");
      if (!event) {
        // Left in the queue for a person to look at; never deleted unread.
        summary.unreadable.push(message.MessageId ?? "?");
        continue;
      }
      if (!dryRun) {
        await lambda.send(
          new InvokeCommand({ FunctionName: target.functionName, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(event)) }),
        );
        await sqs.send(new DeleteMessageCommand({ QueueUrl: target.queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      summary.redriven.push(String(event.id ?? message.MessageId));
    }
    // A dry run peeks at one batch: the same messages would only come round again.
    if (dryRun) break;
  }
  logger.info("dead letters redriven", { handler: name, dryRun, count: summary.redriven.length, unreadable: summary.unreadable.length });
  return summary;
}
