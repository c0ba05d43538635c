/**
 * `POST /v1/revoke-leaked` in AWS: its queue (encrypted, TLS only, a dead-letter queue behind it, alarmed),
 * the worker's event source mapping (failures reported one by one), and who may touch the queue.
 */
import { describe, expect, test } from "vitest";
import { onLeakReportFunction } from "../../infra/ops/operator-functions.ts";
import { actionsOf, refersTo, useDefaultApp } from "./template.ts";

const app = useDefaultApp();
const WORKER = onLeakReportFunction.operation;

const queueId = () => app.ofType("AWS::SQS::Queue").find(([, q]) => q.Properties.RedrivePolicy)![0];
const queue = () => app.resources[queueId()]!;
const deadLetterQueueId = () => queue().Properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0] as string;
const mapping = () => app.ofType("AWS::Lambda::EventSourceMapping").find(([, m]) => refersTo(m.Properties.EventSourceArn, queueId()))!;

describe("the leak reports' queue", () => {
  test("encrypted, a visibility timeout six times the worker's, five receives before its dead-letter queue", () => {
    expect(queue().Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * onLeakReportFunction.timeoutSeconds,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(app.resources[deadLetterQueueId()]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  test("its dead-letter queue's depth is alarmed, and the alarm says how to redrive", () => {
    const alarms = app
      .ofType("AWS::CloudWatch::Alarm")
      .filter(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(deadLetterQueueId()));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({ MetricName: "ApproximateNumberOfMessagesVisible" });
    expect(alarms[0]![1].Properties.AlarmDescription).toMatch(/redrive/i);
  });

  test("on-leak-report consumes it in batches, reporting failed messages one by one", () => {
    const [, found] = mapping();
    expect(found.Properties).toMatchObject({
      FunctionName: { Ref: app.functionOf(WORKER)[0] },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  test("only revoke-leaked sends to it (its queue URL in its environment), only on-leak-report receives", () => {
    const [, route] = app.functionOf("revoke-leaked");
    expect(route.Properties.Environment.Variables.LEAK_REPORTS_QUEUE_URL).toEqual({ Ref: queueId() });
    for (const [, fn] of app.ofType("AWS::Lambda::Function")) {
      if (fn.Properties.Description === "revoke-leaked") continue;
      expect(fn.Properties.Environment?.Variables?.LEAK_REPORTS_QUEUE_URL, fn.Properties.Description).toBeUndefined();
    }
    const onQueue = (operation: string) => actionsOf(app.statementsOf(operation).filter((s) => refersTo(s.Resource, queueId()))).sort();
    expect(onQueue("revoke-leaked")).toEqual(["sqs:SendMessage"]);
    expect(onQueue(WORKER)).toEqual(
      ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"].sort(),
    );
    const others = app
      .ofType("AWS::IAM::Policy")
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, any>[])
      .filter((s) => refersTo(s.Resource, queueId()));
    expect(others).toHaveLength(2);
  });
});
