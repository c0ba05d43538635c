import { fileURLToPath } from "node:url";
import path from "node:path";
import { Duration, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { ApplicationLogLevel, Architecture, LoggingFormat, SystemLogLevel, Tracing } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { LEAK_REPORT_COUNTER_PREFIX } from "../../functions/adapters/dynamodb/keys.ts";
import { LAMBDA_RUNTIME, lambdaBundling } from "../bundling.ts";

/** Handler modules in the route table and event rules are relative to the repository root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What every function's logs and metrics are filed under (platform/logger.ts and metrics.ts read these). */
export const SERVICE_NAME = "api-token-service";
export const METRICS_NAMESPACE = "ApiTokenService";
/** How long a hot path's execution environment may keep metric values before writing them (at most 100 each). */
export const HOT_PATH_METRICS_BUFFER_SECONDS = 10;

/**
 * A stage's metrics live in a namespace of their own (`ApiTokenService/dev`), so one stage's traffic never
 * shows on another's dashboard or trips its alarms; without a stage, the namespace of the first deployment.
 */
export const metricsNamespaceFor = (stage: string | undefined): string =>
  stage === undefined ? METRICS_NAMESPACE : `${METRICS_NAMESPACE}/${stage}`;

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/**
 * The DynamoDB actions behind each access level, from the commands the store adapter sends: Get, BatchGet,
 * Query; Put, Update and TransactWrite (authorized per item as PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem). No Scan (only a definition's `scan`, the backfill operator function, adds it), no
 * BatchWrite, no table management. A new command in the adapter needs its
 * action here, or it fails in AWS with AccessDenied (the local server runs without IAM).
 */
export const TABLE_ACTIONS = {
  lookup: ["dynamodb:GetItem", "dynamodb:BatchGetItem"],
  read: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
  readWrite: [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
  ],
  /** on-leak-report: read a token; revoke it (the token and its set) or mark its expiry, all UpdateItem. */
  revoke: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
  /** revoke-leaked: its report counters only (the statement is limited to their keys), no read of anything. */
  leakReportCounters: ["dynamodb:UpdateItem"],
} as const;

/**
 * The activity log: "append" is PutItem only (a transactional Put is authorized as PutItem), "read" is
 * Query only, "none" nothing. No role ever gets to edit or delete a record.
 */
export const ACTIVITY_ACTIONS = { none: [], append: ["dynamodb:PutItem"], read: ["dynamodb:Query"] } as const;

/** Why a function has no DeadLetterConfig (which only ever receives failed asynchronous invocations). */
const LAMBDA_DLQ_REASONS: Readonly<Record<OperationFunctionProps["invocation"], string>> = {
  synchronous:
    "Invoked synchronously only (API Gateway, the API Gateway authorizer or the console): the caller gets the " +
    "error, and Lambda never queues these invocations, so a dead-letter queue would stay empty.",
  asynchronous:
    "Failed asynchronous invocations go to the on-failure destination (an SQS queue, redriven by the " +
    "redrive-dead-letters operator function), which keeps more context than a DeadLetterConfig would.",
  "event-source-mapping":
    "Invoked by an event source mapping (a DynamoDB stream, or an SQS queue), whose poller invokes synchronously: a " +
    "DeadLetterConfig would never receive anything. What fails every retry goes to the mapping's own on-failure " +
    "destination (the stream's) or the queue's redrive dead-letter queue (the SQS queue's): SQS queues, alarmed.",
};

/** A table and the names of its global secondary indexes (Query on an index is authorized on the index's ARN). */
export interface ServiceTableRef {
  readonly table: ITableV2;
  /** Indexes every function whose access includes Query may query. */
  readonly indexNames: readonly string[];
  /** Indexes only the functions that name them (`indexes`) may query. */
  readonly indexesGrantedByName?: readonly string[];
}

export interface OperationTables {
  /** The tokens table (TABLE_NAME). */
  readonly tokens: ServiceTableRef;
  /** What the function may do with the tokens table. */
  readonly tableAccess: keyof typeof TABLE_ACTIONS;
  /** Indexes of the tokens table granted by name that it queries (Query on each, on its own ARN). */
  readonly indexes?: readonly string[];
  /** Scan of the tokens table (a backfill operator function only). */
  readonly scan?: boolean;
  /** The activity log's table (ACTIVITY_TABLE_NAME). */
  readonly activity: ServiceTableRef;
  readonly activityAccess: keyof typeof ACTIVITY_ACTIONS;
}

export interface OperationFunctionProps {
  /** The operation's name (route table, event rules, operator functions); also the function's description. */
  readonly operation: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly handlerModule: string;
  /**
   * How the function is invoked. "synchronous" (API Gateway, the authorizer, the console): the caller
   * gets the error, there is nothing to dead-letter. "asynchronous" (EventBridge): give `onFailure`.
   * "event-source-mapping" (a DynamoDB stream): Lambda's poller invokes it synchronously and retries the
   * batch; the mapping's own on-failure destination (set where the mapping is made) takes what fails.
   */
  readonly invocation: "synchronous" | "asynchronous" | "event-source-mapping";
  /** The tables and the access to them; leave out for a function that touches no table. */
  readonly tables?: OperationTables;
  /** Added to the environment every function gets (table names, log and metrics settings, NODE_OPTIONS). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Asynchronous functions: the on-failure destination of their invocations, after Lambda's own retries,
   * so an operator can redrive them (the message's `requestPayload` is the original event).
   */
  readonly onFailure?: IQueue;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /**
   * A hot path (verify, the token authorizer), where a log line per invocation costs more than the work: Lambda's
   * own START/REPORT lines are left out (system log level WARN; duration stays in Lambda's free metrics), and
   * metrics are buffered for up to HOT_PATH_METRICS_BUFFER_SECONDS (functions/platform/metrics.ts). @default false
   */
  readonly hotPath?: boolean;
  /** Application log level (Lambda's log-level filter and platform/logger.ts). @default "INFO" */
  readonly logLevel?: LogLevel;
  /**
   * Bundle source maps and turn them on (`--enable-source-maps`): readable stack traces for a larger bundle
   * and a slower cold start. @default false (bundles carry only code)
   */
  readonly sourceMaps?: boolean;
  /** Where the function's metrics go (see metricsNamespaceFor). @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
}

/**
 * One Lambda function per operation, with the defaults every operation shares: Node.js 24 on arm64, a
 * minified ESM bundle (source maps only when asked), its own log group with retention, JSON logs filtered by level, X-Ray tracing,
 * and a role of its own that holds exactly what the operation needs (no AWS managed policies).
 */
export class OperationFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: OperationFunctionProps) {
    super(scope, id);
    if (props.invocation === "asynchronous" && !props.onFailure) {
      throw new Error(`${props.operation}: an asynchronously invoked function needs an onFailure queue.`);
    }
    if (props.invocation !== "asynchronous" && props.onFailure) {
      throw new Error(`${props.operation}: onFailure is for asynchronous invocations only.`);
    }
    const logLevel = props.logLevel ?? "INFO";

    // An explicit log group, so retention is set without the LogRetention custom resource.
    this.logGroup = new LogGroup(this, "LogGroup", { retention: props.logRetention ?? RetentionDays.ONE_MONTH });

    // Its own role instead of AWSLambdaBasicExecutionRole (which may write to any log group): this log group only.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.operation} (api-token-service)`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const environment: Record<string, string> = {
      ...(props.sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
      SERVICE_NAME: SERVICE_NAME,
      LOG_LEVEL: logLevel,
      METRICS_NAMESPACE: props.metricsNamespace ?? METRICS_NAMESPACE,
      ...(props.hotPath ? { METRICS_BUFFER_SECONDS: String(HOT_PATH_METRICS_BUFFER_SECONDS) } : {}),
    };
    if (props.tables) {
      environment.TABLE_NAME = props.tables.tokens.table.tableName;
      environment.ACTIVITY_TABLE_NAME = props.tables.activity.table.tableName;
    }

    const clashes = Object.keys(props.environment ?? {}).filter((name) => name in environment);
    if (clashes.length > 0) {
      throw new Error(`${props.operation}: ${clashes.join(", ")} ${clashes.length === 1 ? "is" : "are"} set by OperationFunction itself.`);
    }

    this.function = new NodejsFunction(this, "Function", {
      description: props.operation,
      entry: path.join(REPOSITORY_ROOT, props.handlerModule),
      handler: "handler",
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, "package-lock.json"),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[logLevel],
      // INFO keeps the platform's START/REPORT lines (duration, memory, init time); hot paths choose WARN.
      systemLogLevelV2: props.hotPath ? SystemLogLevel.WARN : SystemLogLevel.INFO,
      tracing: Tracing.ACTIVE,
      ...(props.onFailure ? { onFailure: new SqsDestination(props.onFailure), retryAttempts: 2, maxEventAge: Duration.hours(6) } : {}),
      environment: { ...environment, ...props.environment },
      bundling: lambdaBundling({ sourceMaps: props.sourceMaps ?? false }),
    });

    if (props.tables) this.grantTables(props.tables);

    // cdk-nag acknowledgements, each on this function's own resources only.
    Validations.of(this.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, " +
        "so Lambda's tracing statement must use '*'. Every other statement of this role names its resources.",
    });
    Validations.of(this.function).acknowledge({ id: "Serverless-LambdaDLQ", reason: LAMBDA_DLQ_REASONS[props.invocation] });
  }

  private grantTables(tables: OperationTables): void {
    const tableStatement = (ref: ServiceTableRef, actions: readonly string[]) => {
      if (actions.length === 0) return;
      this.role.addToPolicy(new PolicyStatement({ actions: [...actions], resources: [ref.table.tableArn] }));
      // Query is the only action that works on an index; each index by its own ARN, never `index/*`.
      if (actions.includes("dynamodb:Query") && ref.indexNames.length > 0) {
        this.role.addToPolicy(
          new PolicyStatement({
            actions: ["dynamodb:Query"],
            resources: ref.indexNames.map((name) => `${ref.table.tableArn}/index/${name}`),
          }),
        );
      }
    };
    if (tables.tableAccess === "leakReportCounters") {
      // Only items whose partition key is a report counter's: the function can neither read nor change a token.
      this.role.addToPolicy(
        new PolicyStatement({
          actions: [...TABLE_ACTIONS.leakReportCounters],
          resources: [tables.tokens.table.tableArn],
          conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${LEAK_REPORT_COUNTER_PREFIX}*`] } },
        }),
      );
    } else {
      tableStatement(tables.tokens, TABLE_ACTIONS[tables.tableAccess]);
    }
    const named = tables.indexes ?? [];
    if (named.length > 0) {
      const known = tables.tokens.indexesGrantedByName ?? [];
      const unknown = named.filter((name) => !known.includes(name));
      if (unknown.length > 0) throw new Error(`${this.node.id}: no index granted by name called ${unknown.join(", ")}.`);
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ["dynamodb:Query"],
          resources: named.map((name) => `${tables.tokens.table.tableArn}/index/${name}`),
        }),
      );
    }
    if (tables.scan) {
      this.role.addToPolicy(new PolicyStatement({ actions: ["dynamodb:Scan"], resources: [tables.tokens.table.tableArn] }));
    }
    // Exactly these actions, never the grantRead*/grantWrite* bundles: those include UpdateItem/DeleteItem.
    tableStatement(tables.activity, ACTIVITY_ACTIONS[tables.activityAccess]);
  }
}

/** `generate-user-token` → `GenerateUserToken`: an operation's construct id. */
export const pascalCase = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
