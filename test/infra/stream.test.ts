/** The tokens table's stream: on-token-deleted records token.expired for the tokens TTL deletes. */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { eventRules } from "../../infra/event-rules.ts";
import { consoleTestEvents } from "../../infra/ops/console-test-events.ts";
import { onTokenDeletedFunction, redriveDeadLettersFunction } from "../../infra/ops/operator-functions.ts";
import { actionsOf, allOperations, asList, refersTo, useDefaultApp, type Resource } from "./template.ts";

const app = useDefaultApp();
const ON_TOKEN_DELETED = onTokenDeletedFunction.operation;

/**
 * The only event source mapping on the tokens table's stream: on-token-deleted's (the activity table's stream
 * has publish-token-events', see token-events.test.ts; the leak reports' queue its worker's).
 */
function streamMapping(): Resource {
  const onStreams = app
    .ofType("AWS::Lambda::EventSourceMapping")
    .filter(([, m]) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(streamArn()));
  expect(onStreams).toHaveLength(1);
  return onStreams[0]![1];
}
/** on-token-deleted's dead-letter queue (its event source mapping's on-failure destination). */
const streamDeadLetterQueue = (): string => streamMapping().Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
const streamArn = () => ({ "Fn::GetAtt": [app.tableIds.tokens, "StreamArn"] });
const onStream = (statements: Record<string, any>[]) =>
  statements.filter((s) => asList<unknown>(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(streamArn())));

describe("the TTL-deletion stream", () => {
  test("one event source mapping: the tokens table's stream to on-token-deleted, from the oldest record", () => {
    expect(streamMapping().Properties).toMatchObject({
      EventSourceArn: streamArn(),
      FunctionName: { Ref: app.functionOf(ON_TOKEN_DELETED)[0] },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 24 * 3600,
    });
  });

  test("only REMOVEs by the DynamoDB service (TTL) of still-active token items invoke it", () => {
    expect(streamMapping().Properties.FilterCriteria).toEqual({
      Filters: [
        {
          Pattern:
            '{"eventName":["REMOVE"],"userIdentity":{"type":["Service"],"principalId":["dynamodb.amazonaws.com"]},' +
            '"dynamodb":{"OldImage":{"type":{"S":["token"]},"status":{"S":["active"]}}}}',
        },
      ],
    });
  });

  test("failed records are reported one by one and bisected; what fails every retry goes to its own dead-letter queue", () => {
    const mapping = streamMapping();
    expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.Properties.BisectBatchOnFunctionError).toBe(true);
    const queueId = streamDeadLetterQueue();
    expect(app.resources[queueId]?.Type).toBe("AWS::SQS::Queue");
    expect(app.resources[queueId]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    // Not an event handler's queue.
    expect(eventRules.map(({ operation }) => app.deadLetterQueueOf(operation))).not.toContain(queueId);
    // Only on-token-deleted's role mentions it.
    const roleId = app.functionOf(ON_TOKEN_DELETED)[1].Properties.Role["Fn::GetAtt"][0];
    const senders = app
      .ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.PolicyDocument.Statement.some((s: any) => refersTo(s.Resource, queueId)));
    expect(senders.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: roleId }]]);
  });

  test("its messages are stream pointers, not events: redrive-dead-letters neither knows nor reads its queue", () => {
    const queueId = streamDeadLetterQueue();
    const [, redrive] = app.functionOf(redriveDeadLettersFunction.operation);
    expect(JSON.stringify(redrive.Properties.Environment.Variables.DEAD_LETTER_TARGETS)).not.toContain(queueId);
    const redriveStatements = app.statementsOf(redriveDeadLettersFunction.operation);
    expect(redriveStatements.some((s) => refersTo(s.Resource, queueId))).toBe(false);
    expect(redriveStatements.some((s) => refersTo(s.Resource, app.functionOf(ON_TOKEN_DELETED)[0]))).toBe(false);
    app.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      AlarmDescription: Match.stringLikeRegexp("redrive-dead-letters does not handle this queue"),
    });
  });

  test("on its stream it may only read, and no other function touches the stream", () => {
    const statements = onStream(app.statementsOf(ON_TOKEN_DELETED));
    expect(statements.every((s) => s.Effect === "Allow")).toBe(true);
    expect(actionsOf(statements).sort()).toEqual(
      ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"].sort(),
    );
    // Stream actions on nothing but this stream.
    const streamActions = actionsOf(app.statementsOf(ON_TOKEN_DELETED)).filter((a) =>
      /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a),
    );
    expect(streamActions.sort()).toEqual(actionsOf(statements).sort());
    for (const operation of allOperations.filter((o) => o !== ON_TOKEN_DELETED)) {
      expect(onStream(app.statementsOf(operation)), operation).toEqual([]);
    }
  });

  test("its console test event is one TTL REMOVE of an expired active token, which the filter lets through", () => {
    const events = consoleTestEvents()[ON_TOKEN_DELETED]!;
    expect(events.map((e) => e.name)).toEqual(["ttl-deletion"]);
    const event = events[0]!.event as any;
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    // Exactly what the mapping's filter matches on.
    expect(record.eventName).toBe("REMOVE");
    expect(record.userIdentity).toEqual({ type: "Service", principalId: "dynamodb.amazonaws.com" });
    expect(record.eventSource).toBe("aws:dynamodb");
    expect(record.eventSourceARN).toMatch(/^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/.+$/);
    expect(record.dynamodb.StreamViewType).toBe("OLD_IMAGE");
    expect(record.dynamodb.NewImage).toBeUndefined();
    const item = unmarshall(record.dynamodb.OldImage);
    expect(unmarshall(record.dynamodb.Keys)).toEqual({ pk: `TOKEN#${item.id}`, sk: "TOKEN" });
    expect(item).toMatchObject({
      pk: `TOKEN#${item.id}`,
      sk: "TOKEN",
      type: "token",
      kind: "user",
      status: "active",
      secretHash: "0".repeat(64),
      principal: { memberStatus: "active" },
    });
    for (const field of ["id", "orgId", "ownerId", "name", "hint", "createdAt", "lastUsedAt"]) {
      expect(item[field], field).toEqual(expect.any(String));
    }
    expect(item.principal).toEqual({
      name: expect.any(String),
      permissions: expect.any(Array),
      groups: expect.any(Array),
      sites: expect.any(Array),
      memberStatus: "active",
    });
    expect(item.expiryRecorded).toBeUndefined();
    // Expired (a Number in epoch seconds) before TTL removed it.
    expect(record.dynamodb.OldImage.expiresAt).toEqual({ N: expect.stringMatching(/^\d+$/) });
    expect(item.expiresAt).toBeLessThan(record.dynamodb.ApproximateCreationDateTime);
  });
});
