/** What an operator watches: the alarm topic, an alarm per queue, function and the API, the dashboard. */
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { schedules } from "../../infra/schedules.ts";
import { eventRules } from "../../infra/event-rules.ts";
import { publishTokenEventsFunction, tokenAuthorizerFunction } from "../../infra/ops/operator-functions.ts";
import { allOperations, useDefaultApp } from "./template.ts";

const app = useDefaultApp();

const alarms = () => app.ofType("AWS::CloudWatch::Alarm").map(([, alarm]) => alarm.Properties);
const topicId = () => app.ofType("AWS::SNS::Topic")[0]![0];
/**
 * Every dead-letter queue: the event handlers', the stream consumers' (on-token-deleted's and
 * publish-token-events': their stream mappings' on-failure destinations) and the leak reports' queue's (its
 * redrive policy's target).
 */
const deadLetterQueueIds = () => [
  ...eventRules.map(({ operation }) => app.deadLetterQueueOf(operation)),
  ...schedules.map(({ operation }) => app.deadLetterQueueOf(operation)),
  ...app
    .ofType("AWS::Lambda::EventSourceMapping")
    .flatMap(([, m]) =>
      m.Properties.DestinationConfig ? [m.Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0] as string] : [],
    ),
  ...app
    .ofType("AWS::SQS::Queue")
    .flatMap(([, q]) => (q.Properties.RedrivePolicy ? [q.Properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0]] : [])),
];
/** The stream consumers whose lateness is alarmed (IteratorAge): the token events' publisher. */
const lateStreamConsumers = [publishTokenEventsFunction.operation];
const isIteratorAge = (alarm: Record<string, any>) => alarm.MetricName === "IteratorAge";
/** The queues that are no dead-letter queue: the leak reports' (each has a redrive policy). */
const workQueueIds = () => app.ofType("AWS::SQS::Queue").flatMap(([id, q]) => (q.Properties.RedrivePolicy ? [id] : []));

describe("alarms", () => {
  test("one encrypted (rotated key), TLS-only alarm topic, in the outputs, with no subscription unless alarmEmail is given", () => {
    app.template.resourceCountIs("AWS::SNS::Topic", 1);
    const [id, topic] = app.ofType("AWS::SNS::Topic")[0]!;
    expect(app.resources[topic.Properties.KmsMasterKeyId["Fn::GetAtt"][0]]?.Properties.EnableKeyRotation).toBe(true);
    app.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
    expect(app.outputs.AlarmTopicArn!.Value).toEqual({ Ref: id });
    app.template.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  test("every alarm ignores missing data and notifies the topic (OK too); all but a stream's lateness fire at the first occurrence", () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm, alarm.AlarmName).toMatchObject({
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: topicId() }],
        OKActions: [{ Ref: topicId() }],
      });
      if (isIteratorAge(alarm)) continue;
      expect(alarm, alarm.AlarmName).toMatchObject({
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
    }
  });

  test("exactly as many alarms as functions (errors, throttles), dead-letter queues, late streams and the API (5xx) call for", () => {
    app.template.resourceCountIs(
      "AWS::CloudWatch::Alarm",
      2 * allOperations.length + deadLetterQueueIds().length + lateStreamConsumers.length + 1,
    );
  });

  test("publish-token-events is alarmed when it falls behind its stream: iterator age over 5 minutes for 15 minutes", () => {
    const [functionId] = app.functionOf(publishTokenEventsFunction.operation);
    const lateness = alarms().filter(isIteratorAge);
    expect(lateness).toEqual([
      expect.objectContaining({
        AlarmName: "ApiTokenService-publish-token-events-iterator-age",
        Namespace: "AWS/Lambda",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: functionId } }],
        Statistic: "Maximum",
        Period: 300,
        Threshold: 5 * 60 * 1000,
        EvaluationPeriods: 3,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmDescription: expect.stringMatching(/published late/),
      }),
    ]);
  });

  test("an alarm on each dead-letter queue's depth", () => {
    const queueIds = deadLetterQueueIds();
    expect(new Set(queueIds).size).toBe(app.ofType("AWS::SQS::Queue").length - workQueueIds().length);
    expect(workQueueIds()).toHaveLength(1);
    for (const queueId of queueIds) {
      app.template.resourcePropertiesCountIs(
        "AWS::CloudWatch::Alarm",
        {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateNumberOfMessagesVisible",
          Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
        },
        1,
      );
    }
  });

  test("an errors alarm and a throttles alarm for every function, and one on the HTTP API's 5xx", () => {
    for (const operation of allOperations) {
      const [functionId] = app.functionOf(operation);
      for (const metricName of ["Errors", "Throttles"]) {
        app.template.resourcePropertiesCountIs(
          "AWS::CloudWatch::Alarm",
          { Namespace: "AWS/Lambda", MetricName: metricName, Dimensions: [Match.objectLike({ Value: { Ref: functionId } })] },
          1,
        );
      }
    }
    const [apiId] = app.ofType("AWS::ApiGatewayV2::Api")[0]!;
    app.template.resourcePropertiesCountIs(
      "AWS::CloudWatch::Alarm",
      { Namespace: "AWS/ApiGateway", MetricName: "5xx", Dimensions: [Match.objectLike({ Value: { Ref: apiId } })] },
      1,
    );
  });
});

describe("dashboard", () => {
  test("one dashboard with the service's metrics, the API's, the functions' errors and every queue's depth", () => {
    app.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    const [dashboardId, dashboard] = app.ofType("AWS::CloudWatch::Dashboard")[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of [
      "TokensCreated",
      "TokensRevoked",
      "TokensExpired",
      "TokensVerified",
      "VerificationsRefused",
      "VerifyLatency",
      "TokenEventsPublished",
      "ExpiryWarnings",
    ]) {
      expect(body).toContain(`\\"ApiTokenService\\",\\"${metric}\\",\\"service\\",\\"api-token-service\\"`);
    }
    for (const stat of ["p50", "p99"])
      expect(body).toContain(`\\"VerifyLatency\\",\\"service\\",\\"api-token-service\\",{\\"label\\":\\"${stat}\\"`);
    for (const metric of ["4xx", "5xx", "Latency", "Errors", "ApproximateNumberOfMessagesVisible"])
      expect(body).toContain(`\\"${metric}\\"`);
    for (const queueId of deadLetterQueueIds()) expect(body).toContain(JSON.stringify({ "Fn::GetAtt": [queueId, "QueueName"] }));
    expect(app.outputs.DashboardName!.Value).toEqual({ Ref: dashboardId });
  });
});

describe("token authorizer for other APIs", () => {
  // Its cache bound (at most 60 s, 30 by default) is in token-authorizer.test.ts and stack-options.test.ts.
  test("its function's ARN is exported for other stacks", () => {
    const output = app.outputs.TokenAuthorizerFunctionArn!;
    expect(output.Value).toEqual({ "Fn::GetAtt": [app.functionOf(tokenAuthorizerFunction.operation)[0], "Arn"] });
    expect(output.Export!.Name).toBe("ApiTokenService-TokenAuthorizerFunctionArn");
  });
});
