/** The token events out: the activity table's stream (the outbox) to publish-token-events, and on to the bus. */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, test } from "vitest";
import { OUTBOX_FLAG } from "../../functions/adapters/dynamodb/entities/activity-record.ts";
import { consoleTestEvents } from "../../infra/ops/console-test-events.ts";
import { publishTokenEventsFunction, redriveDeadLettersFunction } from "../../infra/ops/operator-functions.ts";
import { synthesizeShared, type SynthesizedTemplate } from "./synth.ts";
import { actionsOf, allOperations, asList, refersTo, useDefaultApp, type Resource } from "./template.ts";

const app = useDefaultApp();
const PUBLISHER = publishTokenEventsFunction.operation;
const STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];

const activityStreamArn = () => ({ "Fn::GetAtt": [app.tableIds.activity, "StreamArn"] });
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The one event source mapping on the activity table's stream. */
function outboxMapping(): Resource {
  const found = app.ofType("AWS::Lambda::EventSourceMapping").filter(([, m]) => same(m.Properties.EventSourceArn, activityStreamArn()));
  expect(found).toHaveLength(1);
  return found[0]![1];
}
const deadLetterQueue = (): string => outboxMapping().Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];

/** Whether an event matches a Lambda filter pattern (the subset the stack uses: exact values, nested keys). */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((allowed) => same(allowed, value));
  if (pattern === null || typeof pattern !== "object") return false;
  if (value === null || typeof value !== "object") return false;
  return Object.entries(pattern).every(([key, inner]) => matches(inner, (value as Record<string, unknown>)[key]));
}

describe("the outbox stream", () => {
  test("the activity table's stream to publish-token-events, from the oldest record, retried many times within the stream's 24 h", () => {
    expect(outboxMapping().Properties).toMatchObject({
      FunctionName: { Ref: app.functionOf(PUBLISHER)[0] },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 24 * 3600,
    });
  });

  test("only inserted outbox items invoke it: INSERT with the outbox flag true in the new image", () => {
    expect(outboxMapping().Properties.FilterCriteria).toEqual({
      Filters: [{ Pattern: `{"eventName":["INSERT"],"dynamodb":{"NewImage":{"${OUTBOX_FLAG}":{"BOOL":[true]}}}}` }],
    });
    const pattern = JSON.parse(outboxMapping().Properties.FilterCriteria.Filters[0].Pattern);
    const record = (eventName: string, newImage: Record<string, unknown>) => ({ eventName, dynamodb: { NewImage: newImage } });
    expect(matches(pattern, record("INSERT", { [OUTBOX_FLAG]: { BOOL: true }, pk: { S: "ORG#acme" } }))).toBe(true);
    expect(matches(pattern, record("INSERT", { pk: { S: "ORG#acme" } }))).toBe(false);
    expect(matches(pattern, record("INSERT", { [OUTBOX_FLAG]: { BOOL: false } }))).toBe(false);
    expect(matches(pattern, record("MODIFY", { [OUTBOX_FLAG]: { BOOL: true } }))).toBe(false);
  });

  test("failed records are reported one by one and bisected; what fails every retry goes to its own dead-letter queue", () => {
    const mapping = outboxMapping();
    expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.Properties.BisectBatchOnFunctionError).toBe(true);
    const queueId = deadLetterQueue();
    expect(app.resources[queueId]?.Type).toBe("AWS::SQS::Queue");
    expect(app.resources[queueId]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const roleId = app.functionOf(PUBLISHER)[1].Properties.Role["Fn::GetAtt"][0];
    const senders = app
      .ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.PolicyDocument.Statement.some((s: any) => refersTo(s.Resource, queueId)));
    expect(senders.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: roleId }]]);
  });

  test("its queue is alarmed (events not published) and is not redrive-dead-letters'", () => {
    const queueId = deadLetterQueue();
    const [, redrive] = app.functionOf(redriveDeadLettersFunction.operation);
    expect(JSON.stringify(redrive.Properties.Environment.Variables.DEAD_LETTER_TARGETS)).not.toContain(queueId);
    expect(app.statementsOf(redriveDeadLettersFunction.operation).some((s) => refersTo(s.Resource, queueId))).toBe(false);
    app.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      AlarmDescription: Match.stringLikeRegexp("NOT published.*stream keeps them 24 hours.*redrive-dead-letters does not handle"),
    });
  });
});

describe("publish-token-events", () => {
  test("may read the activity table's stream and nothing of either table; no other function reads that stream", () => {
    const dynamo = app.statementsOf(PUBLISHER).filter((s) => actionsOf([s]).some((a) => a.startsWith("dynamodb:")));
    expect(actionsOf(dynamo).sort()).toEqual([...STREAM_READ].sort());
    for (const statement of dynamo) {
      expect(statement.Effect).toBe("Allow");
      expect(asList(statement.Resource)).toEqual([activityStreamArn()]);
    }
    for (const operation of allOperations.filter((o) => o !== PUBLISHER)) {
      const onStream = app.statementsOf(operation).filter((s) => asList<unknown>(s.Resource).some((r) => same(r, activityStreamArn())));
      expect(onStream, operation).toEqual([]);
    }
  });

  test("may put events on the configured bus (default: this account's default bus) and on no other", () => {
    const events = app.statementsOf(PUBLISHER).filter((s) => actionsOf([s]).some((a) => a.startsWith("events:")));
    expect(events).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: "arn:aws:events:eu-west-1:123456789012:event-bus/default" },
    ]);
    // No other function may put events anywhere.
    for (const operation of allOperations.filter((o) => o !== PUBLISHER)) {
      expect(
        actionsOf(app.statementsOf(operation)).filter((a) => a.startsWith("events:")),
        operation,
      ).toEqual([]);
    }
  });

  test("is told the bus (EVENT_BUS_NAME) and no table", () => {
    const variables = app.functionOf(PUBLISHER)[1].Properties.Environment.Variables;
    expect(variables.EVENT_BUS_NAME).toBe("default");
    expect(variables.TABLE_NAME).toBeUndefined();
    expect(variables.ACTIVITY_TABLE_NAME).toBeUndefined();
    expect(app.outputs.TokenEventBusArn!.Value).toBe("arn:aws:events:eu-west-1:123456789012:event-bus/default");
  });
});

describe("context tokenEventBusName", () => {
  const publisherOf = (synthesized: SynthesizedTemplate) => {
    const resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
    const [, fn] = Object.entries(resources).find(([, r]) => r.Type === "AWS::Lambda::Function" && r.Properties.Description === PUBLISHER)!;
    const roleId = fn.Properties.Role["Fn::GetAtt"][0];
    const statements = Object.values(resources)
      .filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((role: any) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    return {
      variables: fn.Properties.Environment.Variables,
      putEvents: statements.filter((s) => actionsOf([s]).includes("events:PutEvents")),
    };
  };
  let byName: SynthesizedTemplate;
  let byArn: SynthesizedTemplate;
  const ARN = "arn:aws:events:eu-west-1:111111111111:event-bus/platform";
  beforeAll(() => {
    byName = synthesizeShared({ tokenEventBusName: "platform-events" });
    byArn = synthesizeShared({ tokenEventBusName: ARN });
  }, 360_000);

  test("a name: that bus of this account, and the app stays clean under both nag packs", () => {
    const { variables, putEvents } = publisherOf(byName);
    expect(variables.EVENT_BUS_NAME).toBe("platform-events");
    expect(putEvents).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: "arn:aws:events:eu-west-1:123456789012:event-bus/platform-events" },
    ]);
    expect(byName.violations).toEqual([]);
  });

  test("an ARN, another account's bus: passed on as the ARN, PutEvents on that bus only", () => {
    const { variables, putEvents } = publisherOf(byArn);
    expect(variables.EVENT_BUS_NAME).toBe(ARN);
    expect(putEvents).toEqual([{ Effect: "Allow", Action: "events:PutEvents", Resource: ARN }]);
    expect(byArn.template.toJSON().Outputs.TokenEventBusArn.Value).toBe(ARN);
    expect(byArn.violations).toEqual([]);
  });
});

describe("its console test event", () => {
  const event = () => {
    const events = consoleTestEvents()[PUBLISHER]!;
    expect(events.map((e) => e.name)).toEqual(["outbox-insert"]);
    return events[0]!.event as any;
  };

  test("one INSERT of an outbox item, as the stream shows it, which the mapping's filter lets through", () => {
    expect(event().Records).toHaveLength(1);
    const [record] = event().Records;
    expect(record.eventSource).toBe("aws:dynamodb");
    expect(record.eventSourceARN).toMatch(/^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/.+$/);
    expect(record.dynamodb.StreamViewType).toBe("NEW_IMAGE");
    expect(record.dynamodb.OldImage).toBeUndefined();
    expect(matches(JSON.parse(outboxMapping().Properties.FilterCriteria.Filters[0].Pattern), record)).toBe(true);
    const item = unmarshall(record.dynamodb.NewImage);
    expect(unmarshall(record.dynamodb.Keys)).toEqual({ pk: item.pk, sk: item.sk });
    expect(item).toMatchObject({ pk: "ORG#acme", type: "activity", action: "token.created", [OUTBOX_FLAG]: true });
    expect(item.sk).toBe(`${item.at}#${item.id}`);
  });

  test("its item carries one Token Created event, with a fixed eventId and no secret or hash", () => {
    const item = unmarshall(event().Records[0].dynamodb.NewImage);
    expect(item.events).toEqual([
      {
        detailType: "Token Created",
        detail: {
          orgId: "acme",
          tokenId: item.tokenId,
          kind: "user",
          ownerId: item.actor.id,
          ownerName: item.actor.name,
          name: expect.any(String),
          at: item.at,
          expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          sequence: 1,
        },
      },
    ]);
    // Stable: the same sample (and schema) on every synthesis.
    expect(consoleTestEvents()[PUBLISHER]).toEqual(consoleTestEvents()[PUBLISHER]);
    expect(JSON.stringify(item)).not.toMatch(/secretHash|hint|"0{64}"/);
  });

  test("the publisher's own decoding reads those events from it", async () => {
    const { outboxEntry } = await import("../../functions/adapters/dynamodb/outbox-stream.ts");
    const [record] = event().Records;
    expect(outboxEntry(record)).toEqual({ orgId: "acme", events: unmarshall(record.dynamodb.NewImage).events });
  });
});
