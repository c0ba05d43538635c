import { Aspects, CfnOutput, Duration, Stack, Validations, type StackProps } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type CorsPreflightOptions,
  type HttpStage,
  type IHttpRouteAuthorizer,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { ClientAttributes, Mfa, OAuthScope, StringAttribute, UserPool } from "aws-cdk-lib/aws-cognito";
import { EventBus, Rule, type EventPattern as CdkEventPattern } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { StreamViewType } from "aws-cdk-lib/aws-dynamodb";
import { AccountPrincipal, CompositePrincipal, ManagedPolicy, PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { tableDefinitions } from "../functions/adapters/dynamodb/table-definition.ts";
import { ConsoleTestEvents } from "./constructs/console-test-events.ts";
import { RetainExceptOnCreate } from "./constructs/retain-except-on-create.ts";
import { TestEventRegistry } from "./constructs/test-event-registry.ts";
import {
  metricsNamespaceFor,
  OperationFunction,
  type LogLevel,
  type OperationFunctionProps,
} from "./constructs/operation-function.ts";
import { ServiceMonitoring, type MonitoredFunction, type MonitoredQueue } from "./constructs/service-monitoring.ts";
import { createServiceTable, tableRef } from "./constructs/service-table.ts";
import { DEFAULT_RESULTS_CACHE_TTL, TokenAuthorizer } from "./constructs/token-authorizer.ts";
import { eventRules, type EventPattern } from "./event-rules.ts";
import { consoleTestEvents } from "./ops/console-test-events.ts";
import {
  onTokenDeletedFunction,
  redriveDeadLettersFunction,
  revokeUserTokensFunction,
  tokenAuthorizerFunction,
  type ExtraFunctionDefinition,
} from "./ops/operator-functions.ts";
import { routes, type RouteAuth } from "./routes.ts";

export interface ApiTokenServiceStackProps extends StackProps {
  /**
   * The stage this copy of the service is (`dev`, `prod`, `blue`): it names the stack
   * (`ApiTokenService-dev`, see infra/app.ts) and the metrics namespace (`ApiTokenService/dev`); every other
   * physical name derives from the stack name. Context key `stage`; default none (the first deployment's names).
   */
  readonly stage?: string;
  /**
   * The bus the platform's lifecycle events arrive on, in this account. Context key `eventBusName`;
   * default "default". Leave it out with `eventSourceAccounts`.
   */
  readonly eventBusName?: string;
  /**
   * Accounts whose event buses may send the platform's lifecycle events here (a bus in another account):
   * the stack then makes a bus of its own that admits exactly their `platform.*` events, and the rules
   * listen there. Context key `eventSourceAccounts` (a list or comma-separated); default none.
   */
  readonly eventSourceAccounts?: readonly string[];
  /**
   * Accounts whose principals may call `POST /v1/verify` (IAM-authorized): the stack makes a role they may
   * assume that can invoke that route and nothing else. Same-account callers attach the managed policy
   * the stack always makes. Context key `verifyCallerAccounts` (a list or comma-separated); default none.
   */
  readonly verifyCallerAccounts?: readonly string[];
  /**
   * The session JWT claim that holds the platform's user id (what the platform's events call `userId`).
   * With the built-in user pool it is `custom:<attribute>` (an immutable custom attribute the stack adds,
   * set when a person is created in the pool) or `sub`; with an external issuer any claim.
   * Context key `userIdClaim`; default `custom:platform_user_id` with the built-in pool, `sub` otherwise.
   */
  readonly userIdClaim?: string;
  /**
   * The built-in pool's OAuth settings for a browser sign-in (authorization code with PKCE, never the implicit
   * flow): where Cognito may send people back after sign-in and sign-out, and the prefix of the pool's
   * Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`). Context keys `authCallbackUrls`,
   * `authLogoutUrls` (lists or comma-separated), `authDomainPrefix`. Without callback URLs the app client
   * has no OAuth at all (sign-in with the SDK or CLI only).
   */
  readonly authCallbackUrls?: readonly string[];
  readonly authLogoutUrls?: readonly string[];
  readonly authDomainPrefix?: string;
  /**
   * An existing OIDC issuer for session JWTs, instead of the Cognito user pool the stack makes.
   * Give it together with `jwtAudience`. Context keys `jwtIssuer`, `jwtAudience`.
   */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string | readonly string[];
  /** Browser origins allowed by CORS. Context key `corsAllowOrigins` (a list or comma-separated); default none. */
  readonly corsAllowOrigins?: readonly string[];
  /**
   * The stage's default route throttling: steady requests per second and burst, per route.
   * Context keys `apiThrottleRateLimit` (default 500) and `apiThrottleBurstLimit` (default 1000).
   */
  readonly apiThrottle?: { readonly rateLimit?: number; readonly burstLimit?: number };
  /** Subscribed to the alarm topic. Context key `alarmEmail`; default none. */
  readonly alarmEmail?: string;
  /**
   * How long API Gateway caches the token authorizer's answers (the worst-case revocation delay on APIs
   * that use it): at most 60 s. Context key `tokenAuthorizerCacheTtlSeconds`; default 30.
   */
  readonly tokenAuthorizerCacheTtl?: Duration;
  /** The functions' application log level. Context key `logLevel`; default "INFO". */
  readonly logLevel?: LogLevel;
  /**
   * Deletion protection on the tables and the user pool. It blocks the rollback of a failed first deploy
   * (CloudFormation cannot delete what it made), so turn it on once the stack exists. Context key
   * `deletionProtection`; default false (the resources are still retained on stack deletion).
   */
  readonly deletionProtection?: boolean;
  /** Source maps in the bundles (readable stack traces, larger bundles). Context key `sourceMaps`; default false. */
  readonly sourceMaps?: boolean;
}

/** The one operation that re-checks the caller's password, through the identity provider. */
const PASSWORD_CHECK_OPERATION = "generate-user-token";

/** The lists that page with cursors (API.md "Conventions"): only their functions get the cursor key. */
export const PAGINATED_OPERATIONS: readonly string[] = ["list-service-users", "list-organization-tokens", "list-activity"];

/** EventBridge retries a failed delivery with back-off; after this the event goes to the rule's DLQ. */
const EVENT_DELIVERY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;

const DEFAULT_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

/**
 * Only deletions by TTL reach on-token-deleted: a REMOVE done by the DynamoDB service itself (TTL), never one
 * made by a function (those carry no userIdentity), and only of token items still active when deleted (not
 * the markers, password-throttle records or revoked tokens that TTL also removes).
 */
const TTL_DELETIONS = FilterCriteria.filter({
  eventName: FilterRule.isEqual("REMOVE"),
  userIdentity: { type: FilterRule.isEqual("Service"), principalId: FilterRule.isEqual("dynamodb.amazonaws.com") },
  dynamodb: { OldImage: { type: { S: FilterRule.isEqual("token") }, status: { S: FilterRule.isEqual("active") } } },
});

/**
 * The access log: who called which route, with what outcome and how fast. Never the Authorization header,
 * the query string or the body (they carry tokens and passwords); the route key, not the raw path.
 */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  routeKey: "$context.routeKey",
  protocol: "$context.protocol",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  error: "$context.error.message",
} as const;

export class ApiTokenServiceStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly tokenAuthorizer: TokenAuthorizer;
  readonly monitoring: ServiceMonitoring;

  constructor(scope: Construct, id: string, props: ApiTokenServiceStackProps = {}) {
    super(scope, id, props);

    const stage = props.stage ?? this.contextString("stage");
    if (stage !== undefined) assertStageName(stage);
    const metricsNamespace = metricsNamespaceFor(stage);
    const eventSourceAccounts = accountList(props.eventSourceAccounts ?? toList(this.node.tryGetContext("eventSourceAccounts")), "eventSourceAccounts");
    const verifyCallerAccounts = accountList(props.verifyCallerAccounts ?? toList(this.node.tryGetContext("verifyCallerAccounts")), "verifyCallerAccounts");
    const eventBusName = props.eventBusName ?? this.contextString("eventBusName");
    if (eventBusName !== undefined && eventSourceAccounts.length > 0) {
      throw new Error("eventBusName and eventSourceAccounts exclude each other: with eventSourceAccounts the stack makes the bus the events arrive on.");
    }
    const jwtIssuer = props.jwtIssuer ?? this.contextString("jwtIssuer");
    const jwtAudience = toList(props.jwtAudience ?? this.node.tryGetContext("jwtAudience"));
    if ((jwtIssuer === undefined) !== (jwtAudience.length === 0)) {
      throw new Error("jwtIssuer and jwtAudience go together: give both (an existing OIDC issuer) or neither (Cognito).");
    }
    const userIdClaim = props.userIdClaim ?? this.contextString("userIdClaim") ?? (jwtIssuer === undefined ? DEFAULT_POOL_USER_ID_CLAIM : "sub");
    assertUserIdClaim(userIdClaim, jwtIssuer === undefined);
    const logLevel = props.logLevel ?? this.contextLogLevel();
    const sourceMaps = props.sourceMaps ?? this.contextBoolean("sourceMaps");
    const deletionProtection = props.deletionProtection ?? this.contextBoolean("deletionProtection");
    Aspects.of(this).add(new RetainExceptOnCreate());

    // The stream's old images are what on-token-deleted reads of the tokens TTL removes.
    const table = createServiceTable(this, "Table", tableDefinitions.tokens, { stream: StreamViewType.OLD_IMAGE, deletionProtection });
    // Its own table, so roles can append to and read the log without being able to edit or delete a record.
    const activityTable = createServiceTable(this, "ActivityTable", tableDefinitions.activity, { deletionProtection });
    const tokens = tableRef(table, tableDefinitions.tokens);
    const activity = tableRef(activityTable, tableDefinitions.activity);

    if (this.node.tryGetContext("createTestEventRegistry") !== undefined) {
      throw new Error(
        "Context createTestEventRegistry is gone: the stack now makes sure the lambda-testevent-schemas registry " +
          "exists (creating it where it is missing, never deleting it). Deploy without the option.",
      );
    }
    const testEventRegistry = new TestEventRegistry(this, "TestEventRegistry");
    const testEvents = consoleTestEvents({ userIdClaim });

    const monitored: MonitoredFunction[] = [];
    /** Every function of the stack is made here: the shared construct, its alarms and its console test events. */
    const operationFunction = (
      definition: Omit<OperationFunctionProps, "logLevel" | "tables" | "sourceMaps" | "metricsNamespace"> & {
        tableAccess: ExtraFunctionDefinition["tableAccess"];
        activityAccess: ExtraFunctionDefinition["activityAccess"];
      },
    ) => {
      const { tableAccess, activityAccess, ...rest } = definition;
      const fn = new OperationFunction(this, pascalCase(definition.operation), {
        ...rest,
        logLevel,
        sourceMaps,
        metricsNamespace,
        tables: tableAccess === "none" ? undefined : { tokens, tableAccess, activity, activityAccess },
      });
      const events = testEvents[definition.operation];
      if (!events) throw new Error(`No console test event for ${definition.operation}.`);
      new ConsoleTestEvents(fn, "ConsoleTestEvents", { function: fn.function, events, registry: testEventRegistry });
      monitored.push({ operation: definition.operation, function: fn.function });
      return fn;
    };

    // Cognito is the default identity provider; an existing issuer replaces it entirely.
    const cognito =
      jwtIssuer === undefined
        ? this.createUserPool({
            deletionProtection,
            userIdClaim,
            callbackUrls: props.authCallbackUrls ?? toList(this.node.tryGetContext("authCallbackUrls")),
            logoutUrls: props.authLogoutUrls ?? toList(this.node.tryGetContext("authLogoutUrls")),
            domainPrefix: props.authDomainPrefix ?? this.contextString("authDomainPrefix"),
          })
        : undefined;
    const sessionAuthorizer = new HttpJwtAuthorizer(
      "SessionAuthorizer",
      // Must equal the ID tokens' `iss` exactly; built the way CDK's own HttpUserPoolAuthorizer builds it.
      cognito ? `https://cognito-idp.${this.region}.amazonaws.com/${cognito.userPool.userPoolId}` : jwtIssuer!,
      { jwtAudience: cognito ? [cognito.client.userPoolClientId] : jwtAudience },
    );
    const authorizers: Record<RouteAuth, IHttpRouteAuthorizer> = {
      session: sessionAuthorizer,
      iam: new HttpIamAuthorizer(),
      // Explicit, so a default authorizer added to the API later never lands on the token-authenticated routes.
      none: new HttpNoneAuthorizer(),
    };

    const corsAllowOrigins = props.corsAllowOrigins ?? toList(this.node.tryGetContext("corsAllowOrigins"));
    this.api = new HttpApi(this, "HttpApi", {
      // Named after the stack, so each stage's API is told apart in the console.
      apiName: this.stackName,
      description: "API token service",
      // The stage is made below, with throttling and access logs.
      createDefaultStage: false,
      corsPreflight: corsAllowOrigins.length > 0 ? corsOptions(corsAllowOrigins) : undefined,
    });
    const accessLogs = new LogGroup(this, "ApiAccessLogs", { retention: RetentionDays.THREE_MONTHS });
    const throttle = {
      rateLimit: props.apiThrottle?.rateLimit ?? this.contextNumber("apiThrottleRateLimit") ?? DEFAULT_THROTTLE.rateLimit,
      burstLimit: props.apiThrottle?.burstLimit ?? this.contextNumber("apiThrottleBurstLimit") ?? DEFAULT_THROTTLE.burstLimit,
    };
    // Same id as HttpApi's own default stage, so an existing deployment keeps its stage.
    this.stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const cursorKey = this.createCursorKey();
    for (const route of routes) {
      const environment: Record<string, string> = {};
      // Every session route reads the person's platform user id from this claim of the verified ID token.
      if (route.auth === "session") environment.SESSION_USER_ID_CLAIM = userIdClaim;
      if (PAGINATED_OPERATIONS.includes(route.operation)) {
        // A CloudFormation dynamic reference: resolved when the function is deployed, never in the template.
        environment.CURSOR_KEY = cursorKey.secretValue.unsafeUnwrap();
      }
      if (route.operation === PASSWORD_CHECK_OPERATION) {
        // An external OIDC issuer's passwords cannot be re-checked here: only SSO-enforced organizations
        // can have user tokens there (the function says so instead of failing at cold start).
        Object.assign(
          environment,
          cognito
            ? {
                PASSWORD_CHECK: "cognito",
                COGNITO_USER_POOL_ID: cognito.userPool.userPoolId,
                COGNITO_CLIENT_ID: cognito.client.userPoolClientId,
              }
            : { PASSWORD_CHECK: "none" },
        );
      }
      const { function: fn } = operationFunction({
        operation: route.operation,
        handlerModule: route.handlerModule,
        invocation: "synchronous",
        tableAccess: route.tableAccess,
        activityAccess: route.activityAccess,
        environment,
        ...(route.timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(route.timeoutSeconds) }),
      });
      if (route.operation === PASSWORD_CHECK_OPERATION && cognito) {
        // The pool user comes from the session itself (`cognito:username`); AdminInitiateAuth checks the password.
        cognito.userPool.grant(fn, "cognito-idp:AdminInitiateAuth");
      }
      const [apiRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.operation)}Integration`, fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer: authorizers[route.auth],
      });
      if (route.auth === "none") {
        Validations.of(apiRoute!).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "POST /v1/login is authenticated by the API token in the Authorization header, which the function " +
            "verifies itself (API.md); an API Gateway authorizer would only add a second token check.",
        });
      }
    }

    /**
     * A dead-letter queue: encrypted, TLS only, 14 days. `role` says what it is the dead-letter queue of and
     * how its messages are handled (the reason of its nag acknowledgements: a queue behind it would only hide them).
     */
    const createDeadLetterQueue = (id: string, role: string) => {
      const queue = new Queue(this, id, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const reason = `This is the dead-letter queue itself (${role}); a queue behind it would only hide its messages.`;
      Validations.of(queue).acknowledge({ id: "AwsSolutions-SQS3", reason });
      Validations.of(queue).acknowledge({ id: "Serverless-SQSRedrivePolicy", reason });
      return queue;
    };

    const eventBus =
      eventSourceAccounts.length > 0
        ? this.createPlatformEventBus(eventSourceAccounts)
        : EventBus.fromEventBusName(this, "EventBus", eventBusName ?? "default");
    /** The event handlers' dead-letter queues: exactly what redrive-dead-letters may read and redrive. */
    const deadLetterQueues: MonitoredQueue[] = [];
    const deadLetterTargets: { name: string; queueUrl: string; functionName: string }[] = [];
    const eventHandlers: OperationFunction[] = [];
    for (const eventRule of eventRules) {
      const id = pascalCase(eventRule.operation);
      // One queue per handler holds both EventBridge's undeliverable events and the function's failed
      // asynchronous invocations: both keep the original event as the message body, ready to redrive.
      const deadLetterQueue = createDeadLetterQueue(
        `${id}DeadLetterQueue`,
        `of the ${eventRule.operation} rule's target and the function's on-failure destination, which the rule ` +
          "does not recognise as DLQ uses; its messages are redriven by the redrive-dead-letters operator function",
      );
      const handler = operationFunction({
        operation: eventRule.operation,
        handlerModule: eventRule.handlerModule,
        invocation: "asynchronous",
        tableAccess: eventRule.tableAccess,
        activityAccess: eventRule.activityAccess,
        onFailure: deadLetterQueue,
      });
      new Rule(this, `${id}Rule`, {
        eventBus,
        description: eventRule.description,
        eventPattern: toCdkEventPattern(eventRule.pattern),
        targets: [new LambdaFunction(handler.function, { deadLetterQueue, ...EVENT_DELIVERY })],
      });
      eventHandlers.push(handler);
      deadLetterQueues.push({ operation: eventRule.operation, queue: deadLetterQueue });
      deadLetterTargets.push({
        name: eventRule.operation,
        queueUrl: deadLetterQueue.queueUrl,
        functionName: handler.function.functionName,
      });
    }

    // token.expired for the tokens TTL deletes before anybody found them expired: the tokens table's stream,
    // filtered to TTL deletions, failed records reported one by one (the handler returns batchItemFailures).
    const tokenDeletionsDeadLetterQueue = createDeadLetterQueue(
      "OnTokenDeletedDeadLetterQueue",
      "the on-failure destination of on-token-deleted's stream event source mapping, which the mapping does not " +
        "recognise as a DLQ use; its messages describe stream batches and are handled by hand (see the alarm)",
    );
    const onTokenDeleted = operationFunction({
      operation: onTokenDeletedFunction.operation,
      handlerModule: onTokenDeletedFunction.handlerModule,
      invocation: "event-source-mapping",
      tableAccess: onTokenDeletedFunction.tableAccess,
      activityAccess: onTokenDeletedFunction.activityAccess,
      timeout: Duration.seconds(onTokenDeletedFunction.timeoutSeconds),
    });
    // Also grants exactly stream read on this table's stream (DescribeStream, GetRecords, GetShardIterator,
    // ListStreams, all on the stream's ARN) and SendMessage on the queue.
    onTokenDeleted.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        filters: [TTL_DELETIONS],
        reportBatchItemFailures: true,
        // A failing batch is split until the failing record is alone, so one bad record holds back no others.
        bisectBatchOnError: true,
        retryAttempts: 5,
        // The stream keeps records for 24 hours: older ones are gone anyway.
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(tokenDeletionsDeadLetterQueue),
      }),
    );
    /**
     * Not in DEAD_LETTER_TARGETS: redrive-dead-letters re-invokes a handler with the message body as the event,
     * and these messages are not events but pointers into the stream (shard, sequence-number range), which
     * expire with the stream's 24 hours.
     */
    const tokenDeletionsDeadLetters: MonitoredQueue = {
      operation: onTokenDeletedFunction.operation,
      queue: tokenDeletionsDeadLetterQueue,
      alarmDescription:
        "Batches of TTL deletions failed every retry of on-token-deleted: those tokens' token.expired records may be " +
        "missing. Each message names the stream shard and sequence-number range (not the records, which the stream " +
        "keeps 24 hours). Find the cause in on-token-deleted's logs; redrive-dead-letters does not handle this queue.",
    };

    // The Lambda authorizer other APIs attach to accept API tokens (see TokenAuthorizer for the cache bound).
    const tokenAuthorizerFn = operationFunction({
      operation: tokenAuthorizerFunction.operation,
      handlerModule: tokenAuthorizerFunction.handlerModule,
      invocation: "synchronous",
      tableAccess: tokenAuthorizerFunction.tableAccess,
      activityAccess: tokenAuthorizerFunction.activityAccess,
      timeout: Duration.seconds(tokenAuthorizerFunction.timeoutSeconds),
    });
    const cacheTtlSeconds = this.contextNumber("tokenAuthorizerCacheTtlSeconds");
    this.tokenAuthorizer = new TokenAuthorizer(this, "ApiTokenAuthorizer", {
      handler: tokenAuthorizerFn.function,
      resultsCacheTtl:
        props.tokenAuthorizerCacheTtl ??
        (cacheTtlSeconds === undefined ? DEFAULT_RESULTS_CACHE_TTL : Duration.seconds(cacheTtlSeconds)),
    });

    // Operator functions, run from the console with their test events.
    const revokeUserTokens = operationFunction({
      operation: revokeUserTokensFunction.operation,
      handlerModule: revokeUserTokensFunction.handlerModule,
      invocation: "synchronous",
      tableAccess: revokeUserTokensFunction.tableAccess,
      activityAccess: revokeUserTokensFunction.activityAccess,
      timeout: Duration.seconds(revokeUserTokensFunction.timeoutSeconds),
    });
    const redriveDeadLetters = operationFunction({
      operation: redriveDeadLettersFunction.operation,
      handlerModule: redriveDeadLettersFunction.handlerModule,
      invocation: "synchronous",
      tableAccess: redriveDeadLettersFunction.tableAccess,
      activityAccess: redriveDeadLettersFunction.activityAccess,
      timeout: Duration.seconds(redriveDeadLettersFunction.timeoutSeconds),
      environment: { DEAD_LETTER_TARGETS: this.toJsonString(deadLetterTargets) },
    });
    // Exactly the dead-letter queues and their handlers, nothing else.
    redriveDeadLetters.role.addToPolicy(
      new PolicyStatement({
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        resources: deadLetterQueues.map(({ queue }) => queue.queueArn),
      }),
    );
    redriveDeadLetters.role.addToPolicy(
      new PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: eventHandlers.map((handler) => handler.function.functionArn),
      }),
    );

    this.monitoring = new ServiceMonitoring(this, "Monitoring", {
      api: this.api,
      functions: monitored,
      deadLetterQueues: [...deadLetterQueues, tokenDeletionsDeadLetters],
      alarmEmail: props.alarmEmail ?? this.contextString("alarmEmail"),
      metricsNamespace,
    });

    const verifyCallers = this.createVerifyCallerAccess(verifyCallerAccounts);

    new CfnOutput(this, "ApiUrl", { value: this.api.apiEndpoint });
    new CfnOutput(this, "TableName", { value: table.tableName });
    new CfnOutput(this, "ActivityTableName", { value: activityTable.tableName });
    if (cognito) {
      new CfnOutput(this, "UserPoolId", { value: cognito.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", { value: cognito.client.userPoolClientId });
      if (cognito.domain) new CfnOutput(this, "UserPoolDomain", { value: cognito.domain.baseUrl() });
    }
    new CfnOutput(this, "UserIdClaim", { description: "The session claim that holds the platform user id", value: userIdClaim });
    new CfnOutput(this, "EventBusArn", { description: "Where the platform's lifecycle events must arrive", value: eventBus.eventBusArn });
    new CfnOutput(this, "VerifyCallerPolicyArn", {
      description: "Attach to same-account principals that call POST /v1/verify",
      value: verifyCallers.policy.managedPolicyArn,
    });
    if (verifyCallers.role) {
      new CfnOutput(this, "VerifyCallerRoleArn", {
        description: "Principals of verifyCallerAccounts assume this role to call POST /v1/verify",
        value: verifyCallers.role.roleArn,
      });
    }
    new CfnOutput(this, "TokenAuthorizerFunctionArn", {
      description: "The Lambda authorizer for other APIs (TokenAuthorizer.fromFunctionArn)",
      value: tokenAuthorizerFn.function.functionArn,
      exportName: `${this.stackName}-TokenAuthorizerFunctionArn`,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, "DashboardName", { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, "ApiAccessLogGroupName", { value: accessLogs.logGroupName });
    new CfnOutput(this, "RevokeUserTokensFunctionName", { value: revokeUserTokens.function.functionName });
    new CfnOutput(this, "RedriveDeadLettersFunctionName", { value: redriveDeadLetters.function.functionName });
  }

  /**
   * The key that seals list cursors (an HMAC over a page's position, its list and its organization), so a
   * cursor cannot be forged, edited or moved to another list or organization. Secrets Manager generates it:
   * the value is in no template and no repository. The list functions read it from their environment (a
   * dynamic reference CloudFormation resolves at deploy time), so a list needs no Secrets Manager call.
   */
  private createCursorKey(): Secret {
    const missing = PAGINATED_OPERATIONS.filter((operation) => !routes.some((route) => route.operation === operation));
    if (missing.length > 0) throw new Error(`PAGINATED_OPERATIONS names no route: ${missing.join(", ")}`);
    const secret = new Secret(this, "CursorKey", {
      description: "api-token-service: seals the list cursors (pagination) so they cannot be forged or moved",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotation would only end the cursors handed out before it (their next page answers 400 and the client " +
        "starts the list again), and the functions take the value when they are deployed, so a rotation reaches " +
        "them with the next deploy. What the key protects is small: the store always reads the caller's own " +
        "organization, so a forged cursor could only point into a list its holder may already read. Rotate it " +
        "by hand (a new random value, then a deploy) if it may have leaked.",
    });
    return secret;
  }

  /**
   * A bus of this stack's own that the platform's accounts may put their lifecycle events on (their bus
   * forwards them with a rule whose target is this bus's ARN): only those accounts, only the sources the
   * rules listen to.
   */
  private createPlatformEventBus(accounts: readonly string[]): EventBus {
    const bus = new EventBus(this, "PlatformEventBus", {
      eventBusName: `${this.stackName}-platform-events`,
      description: "The platform's user and organization lifecycle events, forwarded from its accounts",
    });
    const sources = [...new Set(eventRules.flatMap((rule) => rule.pattern.source ?? []))].sort();
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

  /**
   * Who may call `POST /v1/verify`, the only IAM-authorized route (HTTP APIs have no resource policy): a
   * managed policy for principals of this account, and a role for the accounts named in context. Both allow
   * `execute-api:Invoke` on exactly the IAM-authorized routes, on this API's stage.
   */
  private createVerifyCallerAccess(accounts: readonly string[]): { policy: ManagedPolicy; role?: Role } {
    const iamRoutes = routes.filter((route) => route.auth === "iam");
    const invoke = new PolicyStatement({
      actions: ["execute-api:Invoke"],
      resources: iamRoutes.map((route) => this.api.arnForExecuteApi(route.method, route.path, this.stage.stageName)),
    });
    const policy = new ManagedPolicy(this, "VerifyCallerPolicy", {
      description: `Call ${iamRoutes.map((r) => `${r.method} ${r.path}`).join(", ")} of ${this.stackName}, and nothing else`,
      statements: [invoke],
    });
    if (accounts.length === 0) return { policy };
    const role = new Role(this, "VerifyCallerRole", {
      description: `Assumed by the accounts that verify API tokens with ${this.stackName}`,
      assumedBy: new CompositePrincipal(...accounts.map((account) => new AccountPrincipal(account))),
      managedPolicies: [policy],
      maxSessionDuration: Duration.hours(1),
    });
    return { policy, role };
  }

  private createUserPool(options: {
    deletionProtection: boolean;
    userIdClaim: string;
    callbackUrls: readonly string[];
    logoutUrls: readonly string[];
    domainPrefix: string | undefined;
  }) {
    const { deletionProtection, userIdClaim } = options;
    const platformIdAttribute = userIdClaim.startsWith("custom:") ? userIdClaim.slice("custom:".length) : undefined;
    const userPool = new UserPool(this, "UserPool", {
      // People come from the platform; nobody signs themself up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      deletionProtection,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Offered, not forced: the password re-check treats an MFA challenge as a correct password.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // The platform's user id, set by an administrator when the person is created in the pool (the events
      // name people by it). Immutable: nobody, the person included, can change whose tokens they get.
      ...(platformIdAttribute
        ? { customAttributes: { [platformIdAttribute]: new StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) } }
        : {}),
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG8",
      reason:
        "The Plus feature plan (threat protection) is a per-active-user cost for the platform owner to choose; this " +
        "pool is the stand-alone default (production deployments usually give jwtIssuer/jwtAudience of the platform's " +
        "own identity provider), and password guessing through the re-check is throttled by the service and by " +
        "Cognito's own lockout.",
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG2",
      reason:
        "MFA is offered (TOTP) but not required: requiring it is the platform's sign-in policy (every client must " +
        "then handle MFA enrolment), and Cognito accepts 'required' only when a pool is created. API tokens are " +
        "minted only with a session plus a password re-check.",
    });
    const { callbackUrls, logoutUrls } = options;
    if (callbackUrls.length === 0 && logoutUrls.length > 0) throw new Error("authLogoutUrls needs authCallbackUrls.");
    const client = userPool.addClient("AppClient", {
      // ADMIN_USER_PASSWORD_AUTH is how generate-user-token re-checks a password (and how the README's CLI
      // gets an ID token); SRP for SDK sign-in. No secret (a public client), so no SECRET_HASH.
      authFlows: { adminUserPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      // A person may change their name, never the attributes that say who they are to the platform.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
      // A browser sign-in only where its return URLs are known: the authorization code flow (the page uses
      // PKCE, as a public client must), never the implicit flow that puts tokens in URLs.
      ...(callbackUrls.length > 0
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: [...callbackUrls],
              logoutUrls: [...logoutUrls],
            },
          }
        : { disableOAuth: true }),
    });
    const domain =
      options.domainPrefix === undefined
        ? undefined
        : userPool.addDomain("Domain", { cognitoDomain: { domainPrefix: options.domainPrefix } });
    return { userPool, client, domain };
  }

  private contextString(key: string): string | undefined {
    const value: unknown = this.node.tryGetContext(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  }

  /** A positive number from context (`-c key=100` arrives as a string). */
  private contextNumber(key: string): number | undefined {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined || value === "") return undefined;
    const number = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(number) || number < 0) throw new Error(`Context ${key} must be a non-negative number, not ${String(value)}.`);
    return number;
  }

  private contextBoolean(key: string): boolean {
    const value: unknown = this.node.tryGetContext(key);
    return value === true || value === "true";
  }

  private contextLogLevel(): LogLevel {
    const value = this.contextString("logLevel") ?? "INFO";
    if (!["DEBUG", "INFO", "WARN", "ERROR"].includes(value)) throw new Error(`Context logLevel must be DEBUG, INFO, WARN or ERROR, not ${value}.`);
    return value as LogLevel;
  }
}

function corsOptions(allowOrigins: readonly string[]): CorsPreflightOptions {
  return {
    allowOrigins: [...allowOrigins],
    allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
    // Bearer sessions, not cookies: no credentials mode.
    allowHeaders: ["authorization", "content-type"],
    maxAge: Duration.hours(1),
  };
}

/** The built-in pool's claim for the platform user id: an immutable custom attribute the stack adds. */
export const DEFAULT_POOL_USER_ID_CLAIM = "custom:platform_user_id";

/** Stage names become part of the stack name and of physical names: short, lower case, DNS-like. */
export function assertStageName(stage: string): void {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`Context stage must be 1-20 lower-case letters, digits or '-', starting with a letter (e.g. dev, prod, blue), not ${JSON.stringify(stage)}.`);
  }
}

function assertUserIdClaim(claim: string, builtInPool: boolean): void {
  if (!/^[A-Za-z0-9_:.-]{1,100}$/.test(claim)) throw new Error(`Context userIdClaim is not a claim name: ${JSON.stringify(claim)}.`);
  if (builtInPool && claim !== "sub" && !/^custom:[A-Za-z0-9_]{1,20}$/.test(claim)) {
    throw new Error(
      `With the built-in user pool, userIdClaim is sub or custom:<attribute> (1-20 letters, digits or _), not ${claim}: ` +
        "the stack adds that attribute to the pool.",
    );
  }
}

function accountList(accounts: readonly string[], key: string): string[] {
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account)) throw new Error(`Context ${key} takes 12-digit AWS account ids, not ${JSON.stringify(account)}.`);
  }
  return [...new Set(accounts)];
}

function toList(value: unknown): string[] {
  if (typeof value === "string") return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (Array.isArray(value)) return value.map(String);
  return [];
}

/** The shared patterns use EventBridge's own keys (`detail-type`); CDK wants them camelCased and renders them back. */
function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), value]),
  ) as CdkEventPattern;
}

const pascalCase = (name: string): string =>
  name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
