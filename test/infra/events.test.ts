/** Lifecycle events: one rule per entry on its handler, retries, dead-letter queues, and the redrive operator. */
import { describe, expect, test } from "vitest";
import { schedules } from "../../infra/schedules.ts";
import { eventRules } from "../../infra/event-rules.ts";
import { redriveDeadLettersFunction } from "../../infra/ops/operator-functions.ts";
import { asList, dynamoActionsOf, useDefaultApp } from "./template.ts";

const app = useDefaultApp();

const ruleOf = (description: string) => {
  const found = app.ofType("AWS::Events::Rule").filter(([, rule]) => rule.Properties.Description === description);
  expect(found, description).toHaveLength(1);
  return found[0]![1];
};

describe("event rules", () => {
  test("one rule per event-rules entry, with exactly its pattern, on the default bus", () => {
    app.template.resourceCountIs("AWS::Events::Rule", eventRules.length);
    for (const eventRule of eventRules) {
      expect(ruleOf(eventRule.description).Properties).toMatchObject({
        EventPattern: eventRule.pattern,
        EventBusName: "default",
        State: "ENABLED",
      });
    }
  });

  test("each target is the rule's function, with retries, a dead-letter queue, and the Lambda's on-failure destination", () => {
    for (const eventRule of eventRules) {
      const [functionId, fn] = app.functionOf(eventRule.operation);
      const targets = ruleOf(eventRule.description).Properties.Targets;
      expect(targets).toHaveLength(1);
      const [target] = targets;
      expect(target.Arn).toEqual({ "Fn::GetAtt": [functionId, "Arn"] });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) });
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      // The same queue catches the function's own failed asynchronous invocations (its on-failure destination).
      const queueId = app.deadLetterQueueOf(eventRule.operation);
      expect(target.DeadLetterConfig.Arn).toEqual({ "Fn::GetAtt": [queueId, "Arn"] });
      expect(app.resources[queueId]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      app.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: functionId },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
      });
      expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    }
  });

  test("every queue (the handlers', the scheduled jobs', on-token-deleted's and publish-token-events' dead-letter queues, the leak reports' queue and its own) refuses plain HTTP", () => {
    app.template.resourceCountIs("AWS::SQS::Queue", eventRules.length + schedules.length + 4);
    for (const [queueId] of app.ofType("AWS::SQS::Queue")) {
      const statements = app
        .ofType("AWS::SQS::QueuePolicy")
        .filter(([, p]) => p.Properties.Queues.some((q: any) => q.Ref === queueId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("redrive-dead-letters", () => {
  test("touches no table, and only the handlers' dead-letter queues and the handlers themselves", () => {
    const statements = app.statementsOf(redriveDeadLettersFunction.operation);
    expect(dynamoActionsOf(statements)).toEqual([]);
    const queueIds = eventRules.map((rule) => app.deadLetterQueueOf(rule.operation));
    const handlerIds = eventRules.map((rule) => app.functionOf(rule.operation)[0]);
    const sqs = statements.filter((s) => asList<string>(s.Action).some((a) => a.startsWith("sqs:")));
    expect(sqs).toHaveLength(1);
    expect(sqs[0]!.Resource).toEqual(queueIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));
    const invoke = statements.filter((s) => asList<string>(s.Action).includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Resource).toEqual(handlerIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));
  });

  test("knows each handler's queue URL and function name (DEAD_LETTER_TARGETS)", () => {
    const [, fn] = app.functionOf(redriveDeadLettersFunction.operation);
    const parts: unknown[] = fn.Properties.Environment.Variables.DEAD_LETTER_TARGETS["Fn::Join"][1];
    // Rebuild the JSON with placeholders for the references, then check it entry by entry.
    const json = parts.map((part) => (typeof part === "string" ? part : `ref:${(part as { Ref: string }).Ref}`)).join("");
    expect(JSON.parse(json)).toEqual(
      eventRules.map((rule) => ({
        name: rule.operation,
        queueUrl: `ref:${app.deadLetterQueueOf(rule.operation)}`,
        functionName: `ref:${app.functionOf(rule.operation)[0]}`,
      })),
    );
  });
});
