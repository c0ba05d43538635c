import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import { EventBus, Rule, type EventPattern as CdkEventPattern, type IEventBus } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { AccountPrincipal, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { EventPattern, EventRuleDefinition } from "../event-rules.ts";
import { createDeadLetterQueue } from "./dead-letter-queue.ts";
import { pascalCase, type OperationFunction } from "./operation-function.ts";
import type { MonitoredQueue } from "./service-monitoring.ts";
import { StackPart } from "./stack-part.ts";

/** EventBridge retries a failed delivery with back-off; after this the event goes to the rule's DLQ. */
const EVENT_DELIVERY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;

export interface LifecycleEventsProps {
  readonly rules: readonly EventRuleDefinition[];
  /** The bus the platform's events arrive on in this account (when `eventSourceAccounts` is empty). */
  readonly eventBusName: string;
  /** Accounts that put their events on a bus of the stack's own; then `eventBusName` is not used. */
  readonly eventSourceAccounts: readonly string[];
}

/**
 * The platform's lifecycle events: the bus they arrive on (this account's, or a bus of the stack's own that
 * admits exactly the platform accounts' events), one dead-letter queue per handler (made first: it is the
 * handler's on-failure destination), and, once the handlers exist (`connect`), one rule per event-rules entry
 * and what redrive-dead-letters may read and invoke.
 */
export class LifecycleEvents extends StackPart {
  readonly eventBus: IEventBus;
  /** The handlers' dead-letter queues, in event-rules order. */
  readonly deadLetterQueues: readonly MonitoredQueue[];
  private readonly props: LifecycleEventsProps;
  private readonly queues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: LifecycleEventsProps) {
    super(scope, id);
    this.props = props;
    this.eventBus =
      props.eventSourceAccounts.length > 0
        ? this.createPlatformEventBus(props.eventSourceAccounts)
        : EventBus.fromEventBusName(this, "EventBus", props.eventBusName);
    for (const { operation } of props.rules) {
      // One queue per handler holds both EventBridge's undeliverable events and the function's failed
      // asynchronous invocations: both keep the original event as the message body, ready to redrive.
      const queue = createDeadLetterQueue(
        this,
        `${pascalCase(operation)}DeadLetterQueue`,
        `of the ${operation} rule's target and the function's on-failure destination, which the rule ` +
          "does not recognise as DLQ uses; its messages are redriven by the redrive-dead-letters operator function",
      );
      this.queues.set(operation, queue);
    }
    this.deadLetterQueues = props.rules.map(({ operation }) => ({ operation, queue: this.onFailureFor(operation) }));
    new CfnOutput(this, "EventBusArn", {
      description: "Where the platform's lifecycle events must arrive",
      value: this.eventBus.eventBusArn,
    });
  }

  /** The handler's dead-letter queue, which is also its functions' on-failure destination. */
  onFailureFor(operation: string): Queue {
    const queue = this.queues.get(operation);
    if (!queue) throw new Error(`${operation} is not an event rule's handler.`);
    return queue;
  }

  /**
   * One rule per entry, targeting its handler with retries and the dead-letter queue; and redrive-dead-letters
   * gets exactly these queues and handlers (DEAD_LETTER_TARGETS, SQS on the queues, invoke on the handlers).
   */
  connect(handlerOf: (operation: string) => IFunction, redrive: OperationFunction): void {
    for (const eventRule of this.props.rules) {
      const handler = handlerOf(eventRule.operation);
      // In the stack's own scope, not this part's: the rule's full path names the statement (Sid) that lets
      // it send to the dead-letter queue, and that statement must stay as deployed.
      new Rule(Stack.of(this), `${pascalCase(eventRule.operation)}Rule`, {
        eventBus: this.eventBus,
        description: eventRule.description,
        eventPattern: toCdkEventPattern(eventRule.pattern),
        targets: [new LambdaFunction(handler, { deadLetterQueue: this.onFailureFor(eventRule.operation), ...EVENT_DELIVERY })],
      });
    }
    const targets = this.props.rules.map(({ operation }) => ({
      name: operation,
      queueUrl: this.onFailureFor(operation).queueUrl,
      functionName: handlerOf(operation).functionName,
    }));
    redrive.function.addEnvironment("DEAD_LETTER_TARGETS", Stack.of(this).toJsonString(targets));
    // Exactly the dead-letter queues and their handlers, nothing else.
    redrive.role.addToPolicy(
      new PolicyStatement({
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        resources: this.deadLetterQueues.map(({ queue }) => queue.queueArn),
      }),
    );
    redrive.role.addToPolicy(
      new PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: this.props.rules.map(({ operation }) => handlerOf(operation).functionArn),
      }),
    );
  }

  /**
   * A bus of this stack's own that the platform's accounts may put their lifecycle events on (their bus
   * forwards them with a rule whose target is this bus's ARN): only those accounts, only the sources the
   * rules listen to.
   */
  private createPlatformEventBus(accounts: readonly string[]): EventBus {
    const bus = new EventBus(this, "PlatformEventBus", {
      eventBusName: `${Stack.of(this).stackName}-platform-events`,
      description: "The platform's user and organization lifecycle events, forwarded from its accounts",
    });
    const sources = [...new Set(this.props.rules.flatMap((rule) => rule.pattern.source ?? []))].sort();
    bus.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowPlatformAccountsToSendLifecycleEvents",
        principals: accounts.map((account) => new AccountPrincipal(account)),
        actions: ["events:PutEvents"],
        resources: [bus.eventBusArn],
        conditions: { StringEquals: { "events:source": sources } },
      }),
    );
    return bus;
  }
}

/** The shared patterns use EventBridge's own keys (`detail-type`); CDK wants them camelCased and renders them back. */
function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), value]),
  ) as CdkEventPattern;
}
