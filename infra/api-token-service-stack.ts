import { Aspects, CfnOutput, Duration, Lazy, Stack, type CfnElement } from "aws-cdk-lib";
import type { HttpApi, HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { StreamViewType } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, type IEventBus } from "aws-cdk-lib/aws-events";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { tableDefinitions } from "../functions/adapters/dynamodb/table-definition.ts";
import { functionGroups } from "./all-functions.ts";
import { ScheduledJobs } from "./constructs/scheduled-jobs.ts";
import { LeakReports } from "./constructs/leak-reports.ts";
import { LifecycleEvents } from "./constructs/lifecycle-events.ts";
import { createOperationFunctions, type FunctionPlan } from "./constructs/operation-functions.ts";
import { RetainExceptOnCreate } from "./constructs/retain-except-on-create.ts";
import { ServiceApi } from "./constructs/service-api.ts";
import { ServiceMonitoring, type MonitoredQueue, type MonitoredStreamConsumer } from "./constructs/service-monitoring.ts";
import { createServiceTable, tableRef } from "./constructs/service-table.ts";
import { Sessions } from "./constructs/sessions.ts";
import { logicalIdScopes } from "./constructs/stack-part.ts";
import { TestEventRegistry } from "./constructs/test-event-registry.ts";
import { TokenAuthorizer } from "./constructs/token-authorizer.ts";
import { TokenDeletionStream } from "./constructs/token-deletion-stream.ts";
import { TokenEventsStream } from "./constructs/token-events-stream.ts";
import { WebSite } from "./constructs/web-site.ts";
import { eventRules } from "./event-rules.ts";
import { consoleTestEvents } from "./ops/console-test-events.ts";
import {
  onLeakReportFunction,
  onTokenDeletedFunction,
  publishTokenEventsFunction,
  redriveDeadLettersFunction,
  revokeUserTokensFunction,
  backfillPersonIndexFunction,
  tokenAuthorizerFunction,
} from "./ops/operator-functions.ts";
import { routes } from "./routes.ts";
import { parseStackOptions, type ApiTokenServiceStackProps } from "./stack-options.ts";

/** The route whose function sends leak reports to the queue (and only it may). */
const LEAK_REPORT_ROUTE = "revoke-leaked";

type StreamConsumer = (typeof functionGroups.streamConsumers)[number]["operation"];

/** How the stack wires one stream consumer: what it adds to the function's environment, and its stream. */
interface StreamWiring {
  readonly environment: Readonly<Record<string, string>>;
  /** Makes the function's event source mapping (and its dead-letter queue), once the function exists. */
  readonly connect: (handler: IFunction) => { readonly deadLetters: MonitoredQueue; readonly lateness?: MonitoredStreamConsumer };
}

/**
 * The tokens table's definition, with the retired `byDueHour` index kept for one upgrade deploy when asked
 * (`keepByDueHourIndex`): the same keys as `byDueDay`, which replaced it, granted by name to no function.
 */
function tokensTableDefinition(keepByDueHourIndex: boolean) {
  const definition = tableDefinitions.tokens;
  if (!keepByDueHourIndex) return definition;
  const byDueDay = definition.globalSecondaryIndexes.find((index) => index.indexName === "byDueDay");
  if (!byDueDay) throw new Error("keepByDueHourIndex: the tokens table has no byDueDay index to keep byDueHour beside.");
  return { ...definition, globalSecondaryIndexes: [...definition.globalSecondaryIndexes, { ...byDueDay, indexName: "byDueHour" }] };
}

/** The bus the token events go to, by name (this account's) or by ARN (possibly another account's). */
const tokenEventBus = (scope: Construct, nameOrArn: string): IEventBus =>
  nameOrArn.startsWith("arn:")
    ? EventBus.fromEventBusArn(scope, "TokenEventBus", nameOrArn)
    : EventBus.fromEventBusName(scope, "TokenEventBus", nameOrArn);

export { PAGINATED_OPERATIONS } from "./constructs/service-api.ts";
export { assertStageName, DEFAULT_POOL_USER_ID_CLAIM, type ApiTokenServiceStackProps } from "./stack-options.ts";

/**
 * The service: its two tables, sessions (a Cognito user pool or an existing issuer), the HTTP API from the
 * route table, the web page (S3 + CloudFront, `/v1/*` to the API on the same origin; unless `webSite=false`),
 * the lifecycle events, the tokens table's TTL-deletion stream, the token events out (the activity table's
 * stream to the event bus), the token authorizer for other APIs, the operator functions, monitoring, and a
 * console test event for every function. Every function is made in one loop (createOperationFunctions) from
 * one kind of definition.
 */
export class ApiTokenServiceStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly tokenAuthorizer: TokenAuthorizer;
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: ApiTokenServiceStackProps = {}) {
    super(scope, id, props);
    const options = parseStackOptions(this.node, props);
    Aspects.of(this).add(new RetainExceptOnCreate());

    // The stream's old images are what on-token-deleted reads of the tokens TTL removes.
    const tokensDefinition = tokensTableDefinition(options.keepByDueHourIndex);
    const table = createServiceTable(this, "Table", tokensDefinition, {
      stream: StreamViewType.OLD_IMAGE,
      deletionProtection: options.deletionProtection,
    });
    // Its own table, so roles can append to and read the log without being able to edit or delete a record.
    // It is also the token events' outbox: its stream's new images are what publish-token-events reads.
    const activityTable = createServiceTable(this, "ActivityTable", tableDefinitions.activity, {
      stream: StreamViewType.NEW_IMAGE,
      deletionProtection: options.deletionProtection,
    });

    // What the functions need from the parts comes first: environment, failure queues.
    // The app client needs the page's URL, and the page's distribution needs the API, which needs the
    // sessions: the URL is read when the template is written, once the distribution exists (no cycle in the
    // template: distribution → API, app client → distribution, API authorizer → app client).
    let webSite: WebSite | undefined;
    const siteUrl = Lazy.string({
      produce: () => {
        if (!webSite) throw new Error("The web page's URL was read, but the stack made no web page.");
        return webSite.url;
      },
    });
    const sessions = new Sessions(this, "Sessions", {
      issuer: options.sessionIssuer,
      userIdClaim: options.userIdClaim,
      deletionProtection: options.deletionProtection,
      ...(options.webSite ? { site: { url: siteUrl } } : {}),
    });
    const http = new ServiceApi(this, "Api", {
      routes,
      sessions,
      userIdClaim: options.userIdClaim,
      corsAllowOrigins: options.corsAllowOrigins,
      throttle: options.throttle,
      verifyCallerAccounts: options.verifyCallerAccounts,
    });
    if (options.webSite) {
      if (!sessions.signIn) throw new Error("The web page needs a sign-in (a Cognito domain, or the external issuer's web* endpoints).");
      webSite = new WebSite(this, "WebSite", { api: http.api, signIn: sessions.signIn });
    }
    const events = new LifecycleEvents(this, "LifecycleEvents", {
      rules: eventRules,
      eventBusName: options.eventBusName,
      eventSourceAccounts: options.eventSourceAccounts,
    });

    const jobs = new ScheduledJobs(this, "ScheduledJobs", { jobs: functionGroups.scheduled });

    // Leaked-token reports: the route's function queues them, on-leak-report revokes (queue, DLQ, alarm).
    const leakReports = new LeakReports(this, "LeakReports", {
      operation: onLeakReportFunction.operation,
      workerTimeout: Duration.seconds(onLeakReportFunction.timeoutSeconds),
    });
    const leakReportsEnvironment = (operation: string): Record<string, string> =>
      operation === LEAK_REPORT_ROUTE ? { LEAK_REPORTS_QUEUE_URL: leakReports.queue.queueUrl } : {};

    // Each stream consumer wired by name to its own stream (a new one fails type-checking until it is here).
    const eventBus = tokenEventBus(this, options.tokenEventBusName);
    const streams: Record<StreamConsumer, StreamWiring> = {
      [onTokenDeletedFunction.operation]: {
        environment: {},
        connect: (handler) =>
          new TokenDeletionStream(this, "TokenDeletionStream", { table, handler, operation: onTokenDeletedFunction.operation }),
      },
      [publishTokenEventsFunction.operation]: {
        // As configured, a name or an ARN: PutEvents takes either (another account's bus needs the ARN).
        environment: { EVENT_BUS_NAME: options.tokenEventBusName },
        connect: (handler) =>
          new TokenEventsStream(this, "TokenEventsStream", {
            table: activityTable,
            handler,
            operation: publishTokenEventsFunction.operation,
            eventBus,
          }),
      },
    };

    const plans: FunctionPlan[] = [
      ...functionGroups.routes.map(
        (route): FunctionPlan => ({
          definition: route,
          invocation: "synchronous",
          environment: { ...http.environmentFor(route), ...leakReportsEnvironment(route.operation) },
        }),
      ),
      ...functionGroups.eventHandlers.map(
        (rule): FunctionPlan => ({ definition: rule, invocation: "asynchronous", onFailure: events.onFailureFor(rule.operation) }),
      ),
      ...functionGroups.scheduled.map(
        (job): FunctionPlan => ({ definition: job, invocation: "asynchronous", onFailure: jobs.onFailureFor(job.operation) }),
      ),
      ...functionGroups.streamConsumers.map(
        (definition): FunctionPlan => ({
          definition,
          invocation: "event-source-mapping",
          environment: streams[definition.operation].environment,
        }),
      ),
      ...functionGroups.queueConsumers.map((definition): FunctionPlan => ({ definition, invocation: "event-source-mapping" })),
      // Invoked by API Gateway (the authorizer) or from the console (the operator functions).
      ...functionGroups.invokedDirectly.map((definition): FunctionPlan => ({ definition, invocation: "synchronous" })),
    ];
    const functions = createOperationFunctions(this, {
      plans,
      tables: { tokens: tableRef(table, tokensDefinition), activity: tableRef(activityTable, tableDefinitions.activity) },
      logLevel: options.logLevel,
      sourceMaps: options.sourceMaps,
      metricsNamespace: options.metricsNamespace,
      testEvents: consoleTestEvents({ userIdClaim: options.userIdClaim }),
      testEventRegistry: new TestEventRegistry(this, "TestEventRegistry"),
    });
    const functionOf = (operation: string) => {
      const made = functions.get(operation);
      if (!made) throw new Error(`No function for ${operation}.`);
      return made;
    };

    // Then the parts that use the functions.
    http.addRoutes((operation) => functionOf(operation).function);
    events.connect((operation) => functionOf(operation).function, functionOf(redriveDeadLettersFunction.operation));
    jobs.connect((operation) => functionOf(operation).function);
    const connectedStreams = functionGroups.streamConsumers.map(({ operation }) =>
      streams[operation].connect(functionOf(operation).function),
    );
    leakReports.connect(functionOf(LEAK_REPORT_ROUTE).function, functionOf(onLeakReportFunction.operation).function);
    // The Lambda authorizer other APIs attach to accept API tokens (see TokenAuthorizer for the cache bound).
    const tokenAuthorizerFn = functionOf(tokenAuthorizerFunction.operation);
    this.tokenAuthorizer = new TokenAuthorizer(this, "ApiTokenAuthorizer", {
      handler: tokenAuthorizerFn.function,
      resultsCacheTtl: options.tokenAuthorizerCacheTtl,
    });
    this.monitoring = new ServiceMonitoring(this, "Monitoring", {
      api: http.api,
      functions: [...functions].map(([operation, made]) => ({ operation, function: made.function })),
      deadLetterQueues: [
        ...events.deadLetterQueues,
        ...jobs.deadLetterQueues,
        ...connectedStreams.map((stream) => stream.deadLetters),
        leakReports.deadLetters,
      ],
      streamConsumers: connectedStreams.flatMap((stream) => (stream.lateness ? [stream.lateness] : [])),
      alarmEmail: options.alarmEmail,
      metricsNamespace: options.metricsNamespace,
    });
    this.api = http.api;
    this.stage = http.stage;

    new CfnOutput(this, "TableName", { value: table.tableName });
    new CfnOutput(this, "ActivityTableName", { value: activityTable.tableName });
    new CfnOutput(this, "TokenEventBusArn", {
      description: "Where the service publishes its token events (source api-tokens)",
      value: eventBus.eventBusArn,
    });
    new CfnOutput(this, "TokenAuthorizerFunctionArn", {
      description: "The Lambda authorizer for other APIs (TokenAuthorizer.fromFunctionArn)",
      value: tokenAuthorizerFn.function.functionArn,
      exportName: `${this.stackName}-TokenAuthorizerFunctionArn`,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, "DashboardName", { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, "RevokeUserTokensFunctionName", { value: functionOf(revokeUserTokensFunction.operation).function.functionName });
    new CfnOutput(this, "RedriveDeadLettersFunctionName", {
      value: functionOf(redriveDeadLettersFunction.operation).function.functionName,
    });
    new CfnOutput(this, "BackfillPersonIndexFunctionName", {
      value: functionOf(backfillPersonIndexFunction.operation).function.functionName,
    });
  }

  /**
   * The parts of the stack (Sessions, Api, LifecycleEvents, TokenDeletionStream, TokenEventsStream, ...) are left
   * out of logical ids: their resources keep the ids they had before the stack was split into them (see StackPart).
   */
  protected override allocateLogicalId(element: CfnElement): string {
    return super.allocateLogicalId({ node: { scopes: logicalIdScopes(element) }, stack: element.stack } as unknown as CfnElement);
  }
}
