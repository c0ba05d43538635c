import { fileURLToPath } from "node:url";
import path from "node:path";
import { Duration } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { Construct } from "constructs";

/** Handler modules in the route table and event rules are relative to the repository root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * ESM bundles still contain CommonJS dependencies that call `require`; esbuild's shim needs a real one.
 * The alias keeps the banner's import from colliding with a bundled `createRequire` binding.
 */
const ESM_REQUIRE_BANNER =
  'import { createRequire as __bannerCreateRequire } from "node:module"; const require = __bannerCreateRequire(import.meta.url);';

export interface OperationFunctionProps {
  /** The operation's name in the route table or event rules; used as the function's description. */
  readonly operation: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  readonly handlerModule: string;
  /** The tokens table (TABLE_NAME). */
  readonly table: ITableV2;
  /** What the function may do with the tokens table. */
  readonly tableAccess: "read" | "readWrite";
  /** The activity log's table (ACTIVITY_TABLE_NAME). */
  readonly activityTable: ITableV2;
  /**
   * What the function may do with the activity log: "append" is PutItem only (a transactional Put is
   * authorized as PutItem), "read" is Query only, "none" nothing. No role ever gets to edit or delete a record.
   */
  readonly activityAccess: "none" | "append" | "read";
  /** Added to the environment every function gets (TABLE_NAME, ACTIVITY_TABLE_NAME, NODE_OPTIONS). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Event handlers: the on-failure destination of their asynchronous invocations, after Lambda's own
   * retries, so an operator can redrive them (the message's `requestPayload` is the original event).
   */
  readonly onFailure?: IQueue;
}

/** One Lambda function per operation, with the defaults every operation shares. */
export class OperationFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: OperationFunctionProps) {
    super(scope, id);

    // An explicit log group, so retention is set without the LogRetention custom resource.
    this.logGroup = new LogGroup(this, "LogGroup", { retention: RetentionDays.ONE_MONTH });

    this.function = new NodejsFunction(this, "Function", {
      description: props.operation,
      entry: path.join(REPOSITORY_ROOT, props.handlerModule),
      handler: "handler",
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, "package-lock.json"),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logGroup: this.logGroup,
      ...(props.onFailure
        ? { onFailure: new SqsDestination(props.onFailure), retryAttempts: 2, maxEventAge: Duration.hours(6) }
        : {}),
      environment: {
        TABLE_NAME: props.table.tableName,
        ACTIVITY_TABLE_NAME: props.activityTable.tableName,
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        // esbuild is a devDependency, so CDK bundles locally; never fall back to Docker.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Pin the SDK to the lockfile's version instead of whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });

    if (props.tableAccess === "read") {
      props.table.grantReadData(this.function);
    } else {
      props.table.grantReadWriteData(this.function);
    }

    // Exactly one action each, never the grantRead*/grantWrite* bundles: those include UpdateItem/DeleteItem.
    if (props.activityAccess === "append") {
      props.activityTable.grant(this.function, "dynamodb:PutItem");
    } else if (props.activityAccess === "read") {
      props.activityTable.grant(this.function, "dynamodb:Query");
    }
  }
}
