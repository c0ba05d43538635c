import { Aws, Duration, Stack, Validations } from "aws-cdk-lib";
import type { IHttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRICS_NAMESPACE, SERVICE_NAME } from "./operation-function.ts";

/** The service's own metrics (EMF, published by the functions), by name. */
export const SERVICE_METRICS = {
  created: "TokensCreated",
  revoked: "TokensRevoked",
  expired: "TokensExpired",
  verified: "TokensVerified",
  refused: "VerificationsRefused",
  verifyLatency: "VerifyLatency",
  eventsPublished: "TokenEventsPublished",
  expiryWarnings: "ExpiryWarnings",
} as const;

export interface MonitoredFunction {
  readonly operation: string;
  readonly function: IFunction;
}

export interface MonitoredQueue {
  /** The function whose dead letters it holds. */
  readonly operation: string;
  readonly queue: IQueue;
  /**
   * What the depth alarm tells the operator to do.
   * @default find the cause, then redrive the events with the redrive-dead-letters function
   */
  readonly alarmDescription?: string;
}

/** A function fed by a stream (an event source mapping) whose lateness matters: alarmed on its iterator age. */
export interface MonitoredStreamConsumer {
  readonly operation: string;
  readonly function: IFunction;
  /** The alarm fires when the age of the last record it got stays above this for 3 periods of 5 minutes. */
  readonly maxIteratorAge: Duration;
  /** What is late, and what the operator looks at. */
  readonly alarmDescription: string;
}

export interface ServiceMonitoringProps {
  readonly api: IHttpApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  /** Stream consumers whose lateness is alarmed (their iterator age). @default none */
  readonly streamConsumers?: readonly MonitoredStreamConsumer[];
  /** Subscribed to the alarm topic by email when given (context `alarmEmail`). */
  readonly alarmEmail?: string;
  /** The namespace the functions publish the service's own metrics in. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * What an operator watches: one SNS topic for every alarm (KMS-encrypted, TLS only), alarms on each
 * dead-letter queue's depth, on each function's errors and throttles and on the API's 5xx, and one
 * dashboard with the service's own metrics next to API Gateway's, Lambda's and SQS's.
 *
 * Every alarm fires at the first occurrence (≥ 1 in 5 minutes) and treats missing data as not breaching:
 * Lambda and API Gateway publish nothing while idle, which is healthy. The exception is a stream consumer's
 * lateness (its iterator age, alarmed when it stays above its bound for 15 minutes): a single slow batch is not
 * an incident, a stream falling behind is.
 */
export class ServiceMonitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  readonly deadLetterAlarms: Alarm[] = [];
  readonly apiServerErrorAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key (its policy is fixed), hence a
    // key of our own that lets CloudWatch encrypt alarm notifications.
    const key = new Key(this, "TopicKey", {
      description: `${stackName}: encrypts the alarm topic`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    this.topic = new Topic(this, "AlarmTopic", {
      displayName: `${stackName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy that enforceSSL creates replaces SNS's default one: let this account's alarms publish.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccount",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: "Serverless-SNSRedrivePolicy",
        reason:
          "An email subscription for alarm notifications: SNS retries email delivery itself, and a dead-letter " +
          "queue of undelivered alarm emails would have no reader; the alarm's state and history stay in CloudWatch.",
      });
    }
    const action = new SnsAction(this.topic);

    const FIRST_OCCURRENCE = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    } as const;
    const alarm = (
      alarmId: string,
      name: string,
      description: string,
      metric: IMetric,
      list?: Alarm[],
      when: { threshold: number; evaluationPeriods: number; comparisonOperator: ComparisonOperator } = FIRST_OCCURRENCE,
    ) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${stackName}-${name}`,
        alarmDescription: description,
        metric,
        ...when,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      list?.push(created);
      return created;
    };

    for (const { operation, queue, alarmDescription } of props.deadLetterQueues) {
      alarm(
        `${pascal(operation)}DeadLetters`,
        `${operation}-dead-letters`,
        alarmDescription ??
          `Events for ${operation} failed every retry and wait in its dead-letter queue. Find the cause in the ` +
            `function's logs, then redrive them with the redrive-dead-letters function (handler "${operation}").`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
        this.deadLetterAlarms,
      );
    }
    for (const { operation, function: fn } of props.functions) {
      alarm(
        `${pascal(operation)}Errors`,
        `${operation}-errors`,
        `${operation} failed (unhandled error or timeout). Its log group has the request id and error.`,
        fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      );
      alarm(
        `${pascal(operation)}Throttles`,
        `${operation}-throttles`,
        `${operation} was throttled: the account's or function's concurrency is exhausted.`,
        fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      );
    }
    for (const { operation, function: fn, maxIteratorAge, alarmDescription } of props.streamConsumers ?? []) {
      alarm(
        `${pascal(operation)}IteratorAge`,
        `${operation}-iterator-age`,
        alarmDescription,
        fn.metric("IteratorAge", { period: PERIOD, statistic: Stats.MAXIMUM }),
        undefined,
        // Milliseconds, as Lambda reports it.
        { threshold: maxIteratorAge.toMilliseconds(), evaluationPeriods: 3, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
      );
    }
    this.apiServerErrorAlarm = alarm(
      "ApiServerErrors",
      "api-5xx",
      "The HTTP API answered with 5xx (a function failed, timed out or was throttled). The access log has the route and integration error.",
      props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
    );

    this.dashboard = this.createDashboard(props);
  }

  private createDashboard(props: ServiceMonitoringProps): Dashboard {
    const service = (metricName: string, statistic: string = Stats.SUM, label?: string) =>
      new Metric({
        namespace: props.metricsNamespace ?? METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    const dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          "## API token service\nTokens, verification, the API, the functions and their dead-letter queues. " +
          'Runbook: README "Operate" (console test events, `revoke-user-tokens`, `redrive-dead-letters`).',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph("Tokens created / revoked / expired", [
        service(SERVICE_METRICS.created, Stats.SUM, "created"),
        service(SERVICE_METRICS.revoked, Stats.SUM, "revoked"),
        service(SERVICE_METRICS.expired, Stats.SUM, "expired"),
      ]),
      graph("Verifications", [
        service(SERVICE_METRICS.verified, Stats.SUM, "verified"),
        service(SERVICE_METRICS.refused, Stats.SUM, "refused"),
      ]),
      graph("Verify latency (ms)", [
        service(SERVICE_METRICS.verifyLatency, Stats.p(50), "p50"),
        service(SERVICE_METRICS.verifyLatency, Stats.p(99), "p99"),
      ]),
    );
    dashboard.addWidgets(
      graph("Token events published / expiry warnings", [
        service(SERVICE_METRICS.eventsPublished, Stats.SUM, "events published"),
        service(SERVICE_METRICS.expiryWarnings, Stats.SUM, "expiry warnings"),
      ]),
    );
    dashboard.addWidgets(
      graph("API requests and errors", [
        props.api.metricCount({ period: PERIOD, statistic: Stats.SUM, label: "requests" }),
        props.api.metricClientError({ period: PERIOD, statistic: Stats.SUM, label: "4xx" }),
        props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM, label: "5xx" }),
      ]),
      graph("API latency (ms)", [
        props.api.metricLatency({ period: PERIOD, statistic: Stats.p(50), label: "p50" }),
        props.api.metricLatency({ period: PERIOD, statistic: Stats.p(99), label: "p99" }),
        props.api.metricIntegrationLatency({ period: PERIOD, statistic: Stats.p(99), label: "integration p99" }),
      ]),
      graph(
        "Dead-letter queue depth",
        props.deadLetterQueues.map(({ operation, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM, label: operation }),
        ),
      ),
    );
    dashboard.addWidgets(
      graph(
        "Function errors",
        props.functions.map(({ operation, function: fn }) => fn.metricErrors({ period: PERIOD, statistic: Stats.SUM, label: operation })),
        12,
      ),
      graph(
        "Function throttles",
        props.functions.map(({ operation, function: fn }) =>
          fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: operation }),
        ),
        12,
      ),
    );
    dashboard.addWidgets(
      new AlarmStatusWidget({
        title: "Alarms",
        alarms: this.alarms,
        width: 24,
        height: Math.max(3, Math.ceil(this.alarms.length / 6) + 1),
      }),
    );
    return dashboard;
  }
}

const pascal = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
