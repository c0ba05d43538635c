import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, test } from "vitest";
import {
  tableDefinitions,
  type TableDefinition,
  type TableName,
} from "../../functions/adapters/dynamodb/table-definition.ts";
import { PAGINATED_OPERATIONS, type ApiTokenServiceStack } from "../../infra/api-token-service-stack.ts";
import { eventRules } from "../../infra/event-rules.ts";
import {
  onTokenDeletedFunction,
  operatorFunctions,
  redriveDeadLettersFunction,
  tokenAuthorizerFunction,
} from "../../infra/ops/operator-functions.ts";
import { consoleTestEvents, TEST_EVENT_REGISTRY_NAME } from "../../infra/ops/console-test-events.ts";
import { DEFAULT_POOL_USER_ID_CLAIM } from "../../infra/api-token-service-stack.ts";
import { routes } from "../../infra/routes.ts";
import { MAX_WAIT_MS, PENDING_TIMEOUT_MS } from "../../functions/domain/password-throttle.ts";
import {
  membershipStatusEventSchema,
  organizationSettingsChangedSchema,
  organizationDeletedSchema,
  userUpsertedSchema,
} from "../../functions/domain/memberships.ts";
import { synthesize, type Violation } from "./synth.ts";

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/**
 * Every function that uses the tables: routes, event handlers, the authorizer, the tokens table's stream
 * consumer and the revoke operator.
 */
const extraFunctions = [tokenAuthorizerFunction, onTokenDeletedFunction, ...operatorFunctions];
const operations = [
  ...routes,
  ...eventRules,
  ...extraFunctions.flatMap((f) => (f.tableAccess === "none" ? [] : [{ ...f, tableAccess: f.tableAccess }])),
];
/** Every function of the stack, by operation name. */
const allOperations = [...routes, ...eventRules, ...extraFunctions].map((o) => o.operation);
const WRITE_ACTION = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;
/** What would let a role change or remove an activity record (or the whole log). */
const ACTIVITY_EDIT_ACTIONS = [
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:DeleteTable",
];
/** The exact DynamoDB actions each `activityAccess` allows on the activity table. */
const ACTIVITY_ACTIONS = { none: [], append: ["dynamodb:PutItem"], read: ["dynamodb:Query"] } as const;

/** Each table, its shared definition and the stack output that names it. */
const tables: readonly { name: TableName; definition: TableDefinition; output: string }[] = [
  { name: "tokens", definition: tableDefinitions.tokens, output: "TableName" },
  { name: "activity", definition: tableDefinitions.activity, output: "ActivityTableName" },
];

/** The logical id prefix of the one function CDK makes for every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_FUNCTION = "AWS679f53fac002430cb0da5b7982bd2287";

let template: Template;
let stack: ApiTokenServiceStack;
let violations: readonly Violation[];
let resources: Record<string, Resource>;
/** Logical ids of the tables, found through the outputs that name them. */
let tableIds: Record<TableName, string>;

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The Lambda function made for an operation (the construct puts the operation's name in its description). */
function functionOf(operation: string): [string, Resource] {
  const found = ofType("AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Description === operation);
  expect(found, `functions for ${operation}`).toHaveLength(1);
  return found[0]!;
}

/** The logical id of the (one) policy attached to the role of an operation's function. */
function statementsOfRolePolicyId(operation: string): string {
  const roleId = functionOf(operation)[1].Properties.Role["Fn::GetAtt"][0];
  const policies = ofType("AWS::IAM::Policy").filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId));
  expect(policies).toHaveLength(1);
  return policies[0]![0];
}

/** Every IAM statement attached to the role of an operation's function. */
function statementsOf(operation: string): Record<string, any>[] {
  const roleId = functionOf(operation)[1].Properties.Role["Fn::GetAtt"][0];
  return ofType("AWS::IAM::Policy")
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

/** Every IAM statement in the template, from any policy. */
const allStatements = (): Record<string, any>[] =>
  ofType("AWS::IAM::Policy").flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);

const actionsOf = (statements: Record<string, any>[]) => statements.flatMap((s) => asList<string>(s.Action));

/** Whether a CloudFormation value refers to the logical id (Ref or GetAtt), at any depth (e.g. inside Fn::Join). */
function refersTo(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  if (record.Ref === logicalId) return true;
  const getAtt = record["Fn::GetAtt"];
  if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
  return Object.values(record).some((item) => refersTo(item, logicalId));
}

/** The statements whose resources include the table, by reference or by a wildcard ARN (or "*"). */
const onTable = (statements: Record<string, any>[], table: TableName) =>
  statements.filter((s) =>
    asList<unknown>(s.Resource).some((r) => (typeof r === "string" ? r.includes("*") : refersTo(r, tableIds[table]))),
  );

/** Actions that can concern DynamoDB: its own and the all-services wildcard. */
const dynamoActionsOf = (statements: Record<string, any>[]) =>
  actionsOf(statements).filter((action) => action === "*" || action.toLowerCase().startsWith("dynamodb:"));

/** Whether an action pattern (which may hold `*` wildcards) covers the action. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i").test(
    action,
  );

beforeAll(() => {
  // The app as infra/app.ts builds it (with the nag packs), synthesized once for the whole file; bundling is
  // skipped because no test looks at the assets.
  ({ stack, template, violations } = synthesize());
  resources = template.toJSON().Resources;
  const outputs: Record<string, { Value: { Ref?: string } }> = template.toJSON().Outputs;
  tableIds = Object.fromEntries(tables.map(({ name, output }) => [name, outputs[output]!.Value.Ref!])) as Record<
    TableName,
    string
  >;
});

describe("tables", () => {
  const keySchema = (key: { partitionKey: { name: string }; sortKey?: { name: string } }) => [
    { AttributeName: key.partitionKey.name, KeyType: "HASH" },
    ...(key.sortKey ? [{ AttributeName: key.sortKey.name, KeyType: "RANGE" }] : []),
  ];
  const tableOf = (name: TableName): Resource => {
    const table = resources[tableIds[name]];
    expect(table?.Type, name).toBe("AWS::DynamoDB::GlobalTable");
    return table!;
  };

  test("exactly the tokens table and the activity table", () => {
    expect(ofType("AWS::DynamoDB::GlobalTable").map(([id]) => id).sort()).toEqual(Object.values(tableIds).sort());
    expect(new Set(Object.values(tableIds)).size).toBe(tables.length);
  });

  test.each(tables)("the $name table is built from its shared definition", ({ name, definition }) => {
    const table = tableOf(name);
    expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.Properties.KeySchema).toEqual(keySchema(definition));
    expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
      definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index),
        Projection: { ProjectionType: "ALL" },
      })),
    );
    const keys = [definition, ...definition.globalSecondaryIndexes].flatMap((k) => [k.partitionKey, k.sortKey]);
    const attributes = [...new Map(keys.map((key) => [key.name, { AttributeName: key.name, AttributeType: key.type }])).values()];
    expect(table.Properties.AttributeDefinitions).toEqual(expect.arrayContaining(attributes));
    expect(table.Properties.AttributeDefinitions).toHaveLength(attributes.length);
    expect(table.Properties.TimeToLiveSpecification).toEqual(
      definition.timeToLiveAttribute === undefined
        ? undefined
        : { AttributeName: definition.timeToLiveAttribute, Enabled: true },
    );
  });

  test("tokens expire by TTL; activity records are kept (no TTL, no indexes)", () => {
    expect(tableOf("tokens").Properties.TimeToLiveSpecification).toEqual({
      AttributeName: tableDefinitions.tokens.timeToLiveAttribute,
      Enabled: true,
    });
    expect(tableOf("activity").Properties.TimeToLiveSpecification).toBeUndefined();
    expect(tableOf("activity").Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  test.each(tables)("the $name table is recoverable and survives the stack", ({ name }) => {
    const table = tableOf(name);
    expect(table.Properties.Replicas.length).toBeGreaterThan(0);
    for (const replica of table.Properties.Replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      // Off by default: it would block the rollback of a failed first deploy (context deletionProtection).
      expect(replica.DeletionProtectionEnabled).toBe(false);
    }
    expect(table.DeletionPolicy).toBe("RetainExceptOnCreate");
    expect(table.UpdateReplacePolicy).toBe("Retain");
  });

  test("no plain Retain: everything kept is kept except after a failed first deploy, so a rollback leaves nothing", () => {
    const kept = Object.entries(resources).filter(([, r]) => r.DeletionPolicy !== undefined && r.DeletionPolicy !== "Delete");
    expect(kept.length).toBeGreaterThan(20); // tables, user pool, keys, every log group
    for (const [id, resource] of kept) expect(resource.DeletionPolicy, id).toBe("RetainExceptOnCreate");
  });
});

describe("functions", () => {
  test("one per route and per event rule, all Node.js 24 on arm64 with the shared defaults", () => {
    // Besides CDK's own deploy-time function behind the test-event registry's custom resource.
    const functions = ofType("AWS::Lambda::Function").filter(([id]) => !id.startsWith(AWS_CUSTOM_RESOURCE_FUNCTION));
    // Plus the token authorizer, the stream consumer and the two operator functions.
    expect(functions).toHaveLength(routes.length + eventRules.length + extraFunctions.length);
    for (const definition of [...routes, ...eventRules]) {
      const { operation } = definition;
      const [, fn] = functionOf(operation);
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        MemorySize: 256,
        Timeout: ("timeoutSeconds" in definition ? definition.timeoutSeconds : undefined) ?? 10,
        Handler: "index.handler",
      });
      expect(fn.Properties.Environment.Variables, operation).toMatchObject({
        TABLE_NAME: { Ref: tableIds.tokens },
        ACTIVITY_TABLE_NAME: { Ref: tableIds.activity },
      });
      // Source maps only when asked (context sourceMaps): bundles carry only code.
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, operation).toBeUndefined();
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    }
  });

  test("generate-user-token checks passwords with the stack's Cognito user pool, and only it may", () => {
    const [, fn] = functionOf("generate-user-token");
    const userPoolId = ofType("AWS::Cognito::UserPool")[0]![0];
    const clientId = ofType("AWS::Cognito::UserPoolClient")[0]![0];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      PASSWORD_CHECK: "cognito",
      COGNITO_USER_POOL_ID: { Ref: userPoolId },
      COGNITO_CLIENT_ID: { Ref: clientId },
    });
    for (const { operation } of operations) {
      const cognitoStatements = statementsOf(operation).filter((s) =>
        asList<string>(s.Action).some((action) => action.startsWith("cognito-idp:")),
      );
      if (operation === "generate-user-token") {
        expect(cognitoStatements).toEqual([
          expect.objectContaining({
            // The pool user comes from the session (cognito:username): no ListUsers, no searching the pool.
            Action: "cognito-idp:AdminInitiateAuth",
            Effect: "Allow",
            Resource: { "Fn::GetAtt": [userPoolId, "Arn"] },
          }),
        ]);
      } else {
        expect(cognitoStatements, operation).toEqual([]);
      }
    }
  });
});

describe("list cursors", () => {
  test("only the list functions get CURSOR_KEY: the stack's generated secret, by a dynamic reference (never its value)", () => {
    const secrets = ofType("AWS::SecretsManager::Secret");
    expect(secrets).toHaveLength(1);
    const [secretId, secret] = secrets[0]!;
    // The functions' config takes 32 characters or more.
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
    expect(secret.Properties.SecretString).toBeUndefined();
    for (const operation of allOperations) {
      const [, fn] = functionOf(operation);
      const value = fn.Properties.Environment.Variables.CURSOR_KEY;
      if (PAGINATED_OPERATIONS.includes(operation)) {
        expect(value, operation).toEqual({ "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: secretId }, ":SecretString:::}}"]] });
      } else {
        expect(value, operation).toBeUndefined();
      }
    }
    // Exactly the routes that take ?cursor= (API.md: service-users, admin/tokens, activity).
    expect(routes.filter((r) => PAGINATED_OPERATIONS.includes(r.operation)).map((r) => r.path).sort()).toEqual([
      "/v1/orgs/{orgId}/activity",
      "/v1/orgs/{orgId}/admin/tokens",
      "/v1/orgs/{orgId}/service-users",
    ]);
  });

  test("no role reads the secret at run time (CloudFormation resolves it at deploy)", () => {
    const statements = ofType("AWS::IAM::Policy").flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as any[]);
    expect(statements.flatMap((s) => asList<string>(s.Action)).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
  });
});

describe("HTTP API", () => {
  const authorizationTypes = { session: "JWT", iam: "AWS_IAM", none: "NONE" } as const;

  test("one route per route-table entry, with the entry's authorization, on its own function", () => {
    const apiRoutes = ofType("AWS::ApiGatewayV2::Route");
    expect(apiRoutes).toHaveLength(routes.length);
    for (const route of routes) {
      const found = apiRoutes.filter(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toHaveLength(1);
      const [, apiRoute] = found[0]!;
      expect(apiRoute.Properties.AuthorizationType).toBe(authorizationTypes[route.auth]);
      expect(apiRoute.Properties.AuthorizerId !== undefined).toBe(route.auth === "session");

      const integrationId = apiRoute.Properties.Target["Fn::Join"][1][1].Ref;
      expect(resources[integrationId]?.Properties).toMatchObject({
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [functionOf(route.operation)[0], "Arn"] },
      });
    }
  });

  test("session routes check JWTs from the stack's user pool, for its app client", () => {
    const authorizers = ofType("AWS::ApiGatewayV2::Authorizer");
    expect(authorizers).toHaveLength(1);
    const [, authorizer] = authorizers[0]!;
    const userPoolId = ofType("AWS::Cognito::UserPool")[0]![0];
    const clientId = ofType("AWS::Cognito::UserPoolClient")[0]![0];
    expect(authorizer.Properties.AuthorizerType).toBe("JWT");
    expect(authorizer.Properties.IdentitySource).toEqual(["$request.header.Authorization"]);
    expect(authorizer.Properties.JwtConfiguration).toEqual({
      Audience: [{ Ref: clientId }],
      Issuer: {
        "Fn::Join": ["", ["https://cognito-idp.eu-west-1.amazonaws.com/", { Ref: userPoolId }]],
      },
    });
  });
});

describe("event rules", () => {
  test("one rule per event-rules entry, with exactly its pattern, on the default bus", () => {
    const rules = ofType("AWS::Events::Rule");
    expect(rules).toHaveLength(eventRules.length);
    for (const eventRule of eventRules) {
      const found = rules.filter(([, rule]) => rule.Properties.Description === eventRule.description);
      expect(found, eventRule.operation).toHaveLength(1);
      const [, rule] = found[0]!;
      expect(rule.Properties.EventPattern).toEqual(eventRule.pattern);
      expect(rule.Properties.EventBusName).toBe("default");
      expect(rule.Properties.State).toBe("ENABLED");
    }
  });

  test("each target is the rule's function, with retries, a dead-letter queue, and the Lambda's on-failure destination", () => {
    for (const eventRule of eventRules) {
      const [, rule] = ofType("AWS::Events::Rule").find(([, r]) => r.Properties.Description === eventRule.description)!;
      const [functionId, fn] = functionOf(eventRule.operation);
      expect(rule.Properties.Targets).toHaveLength(1);
      const target = rule.Properties.Targets[0];
      expect(target.Arn).toEqual({ "Fn::GetAtt": [functionId, "Arn"] });
      expect(target.RetryPolicy).toEqual({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      const queueId = target.DeadLetterConfig.Arn["Fn::GetAtt"][0];
      expect(resources[queueId]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      // The same queue catches the function's own failed asynchronous invocations (its on-failure destination).
      const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig").find(([, c]) => c.Properties.FunctionName?.Ref === functionId)!;
      expect(invokeConfig.Properties.DestinationConfig).toEqual({ OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } });
      expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(2);
      expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    }
  });

  test("dead-letter queues refuse plain HTTP", () => {
    const queues = ofType("AWS::SQS::Queue");
    // One per event handler, plus on-token-deleted's.
    expect(queues).toHaveLength(eventRules.length + 1);
    for (const [queueId] of queues) {
      const policies = ofType("AWS::SQS::QueuePolicy").filter(([, p]) =>
        p.Properties.Queues.some((q: any) => q.Ref === queueId),
      );
      const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("least privilege", () => {
  test("no statement grants dynamodb:* or DynamoDB actions on every resource", () => {
    const statements = ofType("AWS::IAM::Policy").flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    for (const statement of statements) {
      const dynamoActions = asList<string>(statement.Action).filter((action) => action.startsWith("dynamodb:"));
      if (dynamoActions.length === 0) continue;
      expect(dynamoActions).not.toContain("dynamodb:*");
      expect(asList(statement.Resource)).not.toContain("*");
    }
  });

  test("each function may write to the tokens table only when its tableAccess says readWrite", () => {
    for (const { operation, tableAccess } of operations) {
      const actions = dynamoActionsOf(onTable(statementsOf(operation), "tokens"));
      expect(actions, operation).toContain("dynamodb:GetItem");
      const writes = actions.filter((action) => WRITE_ACTION.test(action));
      if (tableAccess === "read") {
        expect(writes, operation).toEqual([]);
      } else {
        expect(writes, operation).toContain("dynamodb:PutItem");
      }
    }
  });

  test("read-only token access (list-activity) has no write action on the tokens table", () => {
    const readOnly = operations.filter((o) => o.tableAccess === "read");
    expect(readOnly.map((o) => o.operation)).toContain("list-activity");
    for (const { operation } of readOnly) {
      const actions = dynamoActionsOf(onTable(statementsOf(operation), "tokens"));
      expect(actions.filter((action) => WRITE_ACTION.test(action)), operation).toEqual([]);
    }
  });

  test("each function has exactly the activity-table actions of its activityAccess, on the table's ARN only", () => {
    const activityArn = { "Fn::GetAtt": [tableIds.activity, "Arn"] };
    for (const { operation, activityAccess } of operations) {
      const statements = onTable(statementsOf(operation), "activity");
      expect(dynamoActionsOf(statements).sort(), operation).toEqual([...ACTIVITY_ACTIONS[activityAccess]].sort());
      for (const statement of statements.filter((s) => dynamoActionsOf([s]).length > 0)) {
        expect(statement.Effect, operation).toBe("Allow");
        expect(asList(statement.Resource), operation).toEqual([activityArn]);
      }
    }
  });

  test("no role can edit or delete an activity record", () => {
    // Every policy in the stack, not only the routes' and event rules' roles.
    for (const statement of onTable(allStatements(), "activity")) {
      if (statement.Effect !== "Allow") continue;
      for (const pattern of dynamoActionsOf([statement])) {
        expect(pattern).not.toBe("*");
        expect(pattern).not.toBe("dynamodb:*");
        for (const action of ACTIVITY_EDIT_ACTIONS) {
          expect(covers(pattern, action), `${pattern} covers ${action}`).toBe(false);
        }
      }
    }
    // Across the whole stack, the only DynamoDB actions on the activity log are those the definitions give out.
    const granted = new Set(dynamoActionsOf(onTable(allStatements(), "activity")));
    const expected = new Set<string>(operations.flatMap((o) => ACTIVITY_ACTIONS[o.activityAccess]));
    expect([...granted].sort()).toEqual([...expected].sort());
  });
});

test("outputs the API URL, both table names and Cognito ids", () => {
  expect(Object.keys(template.toJSON().Outputs)).toEqual(
    expect.arrayContaining(["ApiUrl", "TableName", "ActivityTableName", "UserPoolId", "UserPoolClientId"]),
  );
  expect(Object.keys(template.toJSON().Outputs)).toEqual(
    expect.arrayContaining([
      "TokenAuthorizerFunctionArn",
      "AlarmTopicArn",
      "DashboardName",
      "ApiAccessLogGroupName",
      "RevokeUserTokensFunctionName",
      "RedriveDeadLettersFunctionName",
    ]),
  );
  expect(template.toJSON().Outputs.TableName.Value).toEqual({ Ref: tableIds.tokens });
  expect(template.toJSON().Outputs.ActivityTableName.Value).toEqual({ Ref: tableIds.activity });
});

test("same-account callers of POST /v1/verify get a managed policy that allows that route only; no cross-account role by default", () => {
  const policies = ofType("AWS::IAM::ManagedPolicy");
  expect(policies).toHaveLength(1);
  const [policyId, policy] = policies[0]!;
  const [apiId] = ofType("AWS::ApiGatewayV2::Api")[0]!;
  expect(policy.Properties.PolicyDocument.Statement).toEqual([
    {
      Effect: "Allow",
      Action: "execute-api:Invoke",
      Resource: { "Fn::Join": ["", ["arn:aws:execute-api:eu-west-1:123456789012:", { Ref: apiId }, "/$default/POST/v1/verify"]] },
    },
  ]);
  expect(template.toJSON().Outputs.VerifyCallerPolicyArn.Value).toEqual({ Ref: policyId });
  expect(template.toJSON().Outputs.VerifyCallerRoleArn).toBeUndefined();
});

describe("tables: encryption at rest", () => {
  test.each(tables)("the $name table is encrypted with DynamoDB's AWS-owned key (an explicit choice)", ({ name }) => {
    // `SSEEnabled: false` is CloudFormation's way of saying "the AWS-owned key" (DynamoDB always encrypts at rest).
    expect(resources[tableIds[name]]!.Properties.SSESpecification).toEqual({ SSEEnabled: false });
  });
});

describe("every function", () => {
  test.each(allOperations)("%s: one function, Node.js 24 on arm64, JSON logs to its own log group, traced", (operation) => {
    const [, fn] = functionOf(operation);
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      MemorySize: expect.any(Number),
      Timeout: expect.any(Number),
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "INFO" },
    });
    expect(fn.Properties.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: "api-token-service",
      POWERTOOLS_LOG_LEVEL: "INFO",
      POWERTOOLS_METRICS_NAMESPACE: "ApiTokenService",
    });
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    // Its own role, no AWS managed policy (AWSLambdaBasicExecutionRole may write to every log group).
    const roleId = fn.Properties.Role["Fn::GetAtt"][0];
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    const roleUsers = ofType("AWS::Lambda::Function").filter(([, f]) => f.Properties.Role["Fn::GetAtt"][0] === roleId);
    expect(roleUsers).toHaveLength(1);
  });

  // A generate may wait for other password checks of the same person (functions/domain/password-throttle.ts).
  test("generate-user-token outlasts the password throttle's wait, within API Gateway's 30 s and a place's life", () => {
    const timeout = functionOf("generate-user-token")[1].Properties.Timeout as number;
    expect(timeout).toBeGreaterThanOrEqual(MAX_WAIT_MS / 1000 + 5);
    expect(timeout).toBeLessThan(30);
    expect(timeout * 1000).toBeLessThanOrEqual(PENDING_TIMEOUT_MS);
  });

  test("the authorizer and the operator functions get their own timeouts", () => {
    for (const definition of extraFunctions) {
      expect(functionOf(definition.operation)[1].Properties.Timeout, definition.operation).toBe(definition.timeoutSeconds);
    }
  });

  test("the token authorizer and revoke-user-tokens read and write tokens and append to the activity log", () => {
    for (const operation of [tokenAuthorizerFunction.operation, "revoke-user-tokens"]) {
      expect(functionOf(operation)[1].Properties.Environment.Variables, operation).toMatchObject({
        TABLE_NAME: { Ref: tableIds.tokens },
        ACTIVITY_TABLE_NAME: { Ref: tableIds.activity },
      });
    }
  });
});

describe("least privilege: each role holds exactly its operation's actions", () => {
  const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
  const XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
  const READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
  const READ_WRITE = [...READ, "dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
  const ON_FAILURE = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"];
  const REDRIVE_SQS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
  const STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];

  const expectedActions = (operation: string): string[] => {
    const definition = [...routes, ...eventRules, ...extraFunctions].find((o) => o.operation === operation)!;
    const actions = [...LOGS, ...XRAY];
    if (definition.tableAccess === "read") actions.push(...READ);
    if (definition.tableAccess === "readWrite") actions.push(...READ_WRITE);
    actions.push(...ACTIVITY_ACTIONS[definition.activityAccess]);
    if (operation === "generate-user-token") actions.push("cognito-idp:AdminInitiateAuth");
    if (eventRules.some((rule) => rule.operation === operation)) actions.push(...ON_FAILURE);
    if (operation === onTokenDeletedFunction.operation) actions.push(...STREAM_READ, ...ON_FAILURE);
    if (operation === redriveDeadLettersFunction.operation) actions.push(...REDRIVE_SQS, "lambda:InvokeFunction");
    return [...new Set(actions)].sort();
  };

  test.each(allOperations)("%s", (operation) => {
    expect([...new Set(actionsOf(statementsOf(operation)))].sort()).toEqual(expectedActions(operation));
  });

  test("every statement names its resources, except X-Ray's (which has no resource-level permissions)", () => {
    for (const statement of allStatements()) {
      const actions = asList<string>(statement.Action);
      const wildcardResource = asList<unknown>(statement.Resource).some((r) => typeof r === "string" && r.includes("*"));
      if (wildcardResource) expect(actions.sort()).toEqual([...XRAY].sort());
      expect(actions.some((action) => action.includes("*")), actions.join()).toBe(false);
    }
  });

  test("log writes go to the function's own log group only", () => {
    for (const operation of allOperations) {
      const [, fn] = functionOf(operation);
      const logStatements = statementsOf(operation).filter((s) => asList<string>(s.Action).some((a) => a.startsWith("logs:")));
      expect(logStatements.map((s) => s.Resource), operation).toEqual([{ "Fn::GetAtt": [fn.Properties.LoggingConfig.LogGroup.Ref, "Arn"] }]);
    }
  });

  test("tokens-table Query reaches the byOrganization index by its own ARN, never index/*", () => {
    const indexArn = {
      "Fn::Join": ["", [{ "Fn::GetAtt": [tableIds.tokens, "Arn"] }, `/index/${tableDefinitions.tokens.globalSecondaryIndexes[0]!.indexName}`]],
    };
    for (const { operation } of operations) {
      const indexStatements = statementsOf(operation).filter((s) => JSON.stringify(s.Resource).includes("/index/"));
      expect(indexStatements, operation).toEqual([expect.objectContaining({ Action: "dynamodb:Query", Resource: indexArn })]);
    }
  });

  test("redrive-dead-letters touches no table, and only the dead-letter queues and their handlers", () => {
    const [, fn] = functionOf(redriveDeadLettersFunction.operation);
    expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeUndefined();
    expect(fn.Properties.Environment.Variables.ACTIVITY_TABLE_NAME).toBeUndefined();
    const statements = statementsOf(redriveDeadLettersFunction.operation);
    expect(dynamoActionsOf(statements)).toEqual([]);

    const queueIds = eventRules.map((rule) => deadLetterQueueOf(rule.operation));
    const handlerIds = eventRules.map((rule) => functionOf(rule.operation)[0]);
    const sqs = statements.filter((s) => asList<string>(s.Action).some((a) => a.startsWith("sqs:")));
    expect(sqs).toHaveLength(1);
    expect(sqs[0]!.Resource).toEqual(queueIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));
    const invoke = statements.filter((s) => asList<string>(s.Action).includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Resource).toEqual(handlerIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));
  });

  test("redrive-dead-letters knows each handler's queue URL and function name (DEAD_LETTER_TARGETS)", () => {
    const [, fn] = functionOf(redriveDeadLettersFunction.operation);
    const parts: unknown[] = fn.Properties.Environment.Variables.DEAD_LETTER_TARGETS["Fn::Join"][1];
    // Rebuild the JSON with placeholders for the references, then check it entry by entry.
    const json = parts.map((part) => (typeof part === "string" ? part : `ref:${(part as { Ref: string }).Ref}`)).join("");
    const targets = JSON.parse(json) as { name: string; queueUrl: string; functionName: string }[];
    expect(targets).toEqual(
      eventRules.map((rule) => ({
        name: rule.operation,
        queueUrl: `ref:${deadLetterQueueOf(rule.operation)}`,
        functionName: `ref:${functionOf(rule.operation)[0]}`,
      })),
    );
  });
});

/** The logical id of the dead-letter queue of an event handler (its on-failure destination). */
function deadLetterQueueOf(operation: string): string {
  const [functionId] = functionOf(operation);
  const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig").find(([, c]) => c.Properties.FunctionName?.Ref === functionId)!;
  return invokeConfig.Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
}

/** The only event source mapping: on-token-deleted on the tokens table's stream. */
function streamMapping(): [string, Resource] {
  const mappings = ofType("AWS::Lambda::EventSourceMapping");
  expect(mappings).toHaveLength(1);
  return mappings[0]!;
}

/** The logical id of on-token-deleted's dead-letter queue (its event source mapping's on-failure destination). */
function streamDeadLetterQueue(): string {
  return streamMapping()[1].Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0];
}

describe("tokens table stream: on-token-deleted records token.expired for TTL deletions", () => {
  const streamArn = () => ({ "Fn::GetAtt": [tableIds.tokens, "StreamArn"] });
  const onStream = (statements: Record<string, any>[]) =>
    statements.filter((s) => asList<unknown>(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(streamArn())));

  test("the tokens table streams old images (and keeps its logical id: no replacement); the activity table has no stream", () => {
    expect(tableIds.tokens).toBe("TableCD117FA1");
    expect(resources[tableIds.tokens]!.Properties.StreamSpecification).toEqual({ StreamViewType: "OLD_IMAGE" });
    expect(resources[tableIds.activity]!.Properties.StreamSpecification).toBeUndefined();
  });

  test("one event source mapping: the tokens table's stream to on-token-deleted, from the oldest record", () => {
    const [, mapping] = streamMapping();
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: streamArn(),
      FunctionName: { Ref: functionOf(onTokenDeletedFunction.operation)[0] },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 24 * 3600,
    });
  });

  test("only REMOVEs by the DynamoDB service (TTL) of still-active token items invoke it", () => {
    const [, mapping] = streamMapping();
    expect(mapping.Properties.FilterCriteria).toEqual({
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
    const [, mapping] = streamMapping();
    expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.Properties.BisectBatchOnFunctionError).toBe(true);
    const queueId = streamDeadLetterQueue();
    expect(resources[queueId]?.Type).toBe("AWS::SQS::Queue");
    expect(resources[queueId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    // Not an event handler's queue.
    expect(eventRules.map(({ operation }) => deadLetterQueueOf(operation))).not.toContain(queueId);
    // Only on-token-deleted sends to it.
    const senders = ofType("AWS::IAM::Policy").filter(([, p]) =>
      p.Properties.PolicyDocument.Statement.some((s: any) => refersTo(s.Resource, queueId)),
    );
    expect(senders.map(([id]) => id)).toEqual([statementsOfRolePolicyId(onTokenDeletedFunction.operation)]);
  });

  test("its messages are stream pointers, not events: redrive-dead-letters neither knows nor reads its queue", () => {
    const queueId = streamDeadLetterQueue();
    const [, redrive] = functionOf(redriveDeadLettersFunction.operation);
    expect(JSON.stringify(redrive.Properties.Environment.Variables.DEAD_LETTER_TARGETS)).not.toContain(queueId);
    expect(statementsOf(redriveDeadLettersFunction.operation).some((s) => refersTo(s.Resource, queueId))).toBe(false);
    expect(statementsOf(redriveDeadLettersFunction.operation).some((s) => refersTo(s.Resource, functionOf(onTokenDeletedFunction.operation)[0]))).toBe(false);
    const alarm = ofType("AWS::CloudWatch::Alarm").find(([, a]) =>
      JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }]),
    );
    expect(alarm?.[1].Properties.AlarmDescription).toMatch(/redrive-dead-letters does not handle this queue/);
  });

  test("on its stream it may only read, and no other function touches the stream", () => {
    const statements = onStream(statementsOf(onTokenDeletedFunction.operation));
    expect(statements.every((s) => s.Effect === "Allow")).toBe(true);
    expect(actionsOf(statements).sort()).toEqual(
      ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"].sort(),
    );
    // Stream actions on nothing but this stream.
    const streamActions = actionsOf(statementsOf(onTokenDeletedFunction.operation)).filter((a) =>
      /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a),
    );
    expect(streamActions.sort()).toEqual(actionsOf(statements).sort());
    for (const operation of allOperations.filter((o) => o !== onTokenDeletedFunction.operation)) {
      expect(onStream(statementsOf(operation)), operation).toEqual([]);
    }
  });

  test("on the activity log it may only append (PutItem)", () => {
    const statements = onTable(statementsOf(onTokenDeletedFunction.operation), "activity").filter((s) => dynamoActionsOf([s]).length > 0);
    expect(dynamoActionsOf(statements)).toEqual(["dynamodb:PutItem"]);
    expect(statements.map((s) => s.Resource)).toEqual([{ "Fn::GetAtt": [tableIds.activity, "Arn"] }]);
  });

  test("on the tokens table: the marker's PutItem and the transaction's condition checks (readWrite)", () => {
    const [, fn] = functionOf(onTokenDeletedFunction.operation);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: tableIds.tokens },
      ACTIVITY_TABLE_NAME: { Ref: tableIds.activity },
    });
    const onTokensTable = statementsOf(onTokenDeletedFunction.operation).filter(
      (s) => JSON.stringify(s.Resource) === JSON.stringify({ "Fn::GetAtt": [tableIds.tokens, "Arn"] }),
    );
    expect(actionsOf(onTokensTable)).toEqual(expect.arrayContaining(["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]));
  });

  test("its console test event is one TTL REMOVE of an expired active token, which the filter lets through", () => {
    const events = consoleTestEvents()[onTokenDeletedFunction.operation]!;
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

describe("HTTP API: stage, throttling, access logs, CORS", () => {
  test("every management route has the JWT authorizer, verify has IAM, login none", () => {
    const [authorizerId] = ofType("AWS::ApiGatewayV2::Authorizer")[0]!;
    for (const route of routes) {
      const [, apiRoute] = ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      if (route.path.startsWith("/v1/orgs/")) {
        expect(route.auth, route.operation).toBe("session");
        expect(apiRoute.Properties).toMatchObject({ AuthorizationType: "JWT", AuthorizerId: { Ref: authorizerId } });
      }
    }
    const verify = ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === "POST /v1/verify")!;
    expect(verify[1].Properties.AuthorizationType).toBe("AWS_IAM");
    const login = ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === "POST /v1/login")!;
    expect(login[1].Properties.AuthorizationType).toBe("NONE");
  });

  test("one $default stage, auto-deployed, with default route throttling", () => {
    const stages = ofType("AWS::ApiGatewayV2::Stage");
    expect(stages).toHaveLength(1);
    expect(stages[0]![1].Properties).toMatchObject({
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  test("JSON access logs to their own log group, without the Authorization header or the body", () => {
    const [, stage] = ofType("AWS::ApiGatewayV2::Stage")[0]!;
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn["Fn::GetAtt"][0];
    expect(resources[logGroupId]?.Type).toBe("AWS::Logs::LogGroup");
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBeGreaterThan(0);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: "$context.requestId",
      ip: "$context.identity.sourceIp",
      routeKey: "$context.routeKey",
      status: "$context.status",
      latency: "$context.responseLatency",
      integrationError: "$context.integrationErrorMessage",
    });
    const logged = Object.values(format).join(" ").toLowerCase();
    for (const secret of ["authorization", "header", "body", "querystring", "cookie"]) expect(logged).not.toContain(secret);
  });

  test("no CORS unless corsAllowOrigins is given", () => {
    expect(ofType("AWS::ApiGatewayV2::Api")[0]![1].Properties.CorsConfiguration).toBeUndefined();
  });
});

describe("event handlers: retries and dead letters", () => {
  test("every rule target has a retry policy and a dead-letter queue that is also the function's on-failure destination", () => {
    for (const eventRule of eventRules) {
      const [, rule] = ofType("AWS::Events::Rule").find(([, r]) => r.Properties.Description === eventRule.description)!;
      const [target] = rule.Properties.Targets;
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.DeadLetterConfig.Arn).toEqual({ "Fn::GetAtt": [deadLetterQueueOf(eventRule.operation), "Arn"] });
    }
  });
});

describe("alarms and dashboard", () => {
  const alarms = () => ofType("AWS::CloudWatch::Alarm").map(([, alarm]) => alarm.Properties);
  const topicId = () => ofType("AWS::SNS::Topic")[0]![0];

  test("one encrypted, TLS-only alarm topic, in the outputs", () => {
    const topics = ofType("AWS::SNS::Topic");
    expect(topics).toHaveLength(1);
    const [id, topic] = topics[0]!;
    expect(resources[topic.Properties.KmsMasterKeyId["Fn::GetAtt"][0]]?.Properties.EnableKeyRotation).toBe(true);
    const statements = ofType("AWS::SNS::TopicPolicy")
      .filter(([, p]) => p.Properties.Topics.some((t: any) => t.Ref === id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: id });
    // No email subscription unless alarmEmail is given.
    expect(ofType("AWS::SNS::Subscription")).toEqual([]);
  });

  test("every alarm fires at the first occurrence, ignores missing data, and notifies the topic", () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm, alarm.AlarmName).toMatchObject({
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: topicId() }],
      });
    }
  });

  test("as many alarms as functions (errors, throttles), dead-letter queues and the API (5xx) call for", () => {
    const deadLetterQueues = eventRules.length + 1;
    expect(alarms()).toHaveLength(2 * allOperations.length + deadLetterQueues + 1);
  });

  test("an alarm on each dead-letter queue's depth", () => {
    const queues = [
      ...eventRules.map(({ operation }) => [operation, deadLetterQueueOf(operation)] as const),
      [onTokenDeletedFunction.operation, streamDeadLetterQueue()] as const,
    ];
    expect(new Set(queues.map(([, queueId]) => queueId)).size).toBe(ofType("AWS::SQS::Queue").length);
    for (const [operation, queueId] of queues) {
      const found = alarms().filter(
        (a) =>
          a.Namespace === "AWS/SQS" &&
          a.MetricName === "ApproximateNumberOfMessagesVisible" &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }]),
      );
      expect(found, operation).toHaveLength(1);
    }
  });

  test("an errors alarm and a throttles alarm for every function", () => {
    for (const operation of allOperations) {
      const [functionId] = functionOf(operation);
      for (const metricName of ["Errors", "Throttles"]) {
        const found = alarms().filter(
          (a) => a.Namespace === "AWS/Lambda" && a.MetricName === metricName && a.Dimensions?.[0]?.Value?.Ref === functionId,
        );
        expect(found, `${operation} ${metricName}`).toHaveLength(1);
      }
    }
  });

  test("an alarm on the HTTP API's 5xx", () => {
    const apiId = ofType("AWS::ApiGatewayV2::Api")[0]![0];
    const found = alarms().filter(
      (a) => a.Namespace === "AWS/ApiGateway" && a.MetricName === "5xx" && a.Dimensions?.[0]?.Value?.Ref === apiId,
    );
    expect(found).toHaveLength(1);
  });

  test("one dashboard with the service's metrics, the API's, the functions' errors and the queues' depth", () => {
    const dashboards = ofType("AWS::CloudWatch::Dashboard");
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
    for (const metric of ["TokensCreated", "TokensRevoked", "TokensExpired", "TokensVerified", "VerificationsRefused", "VerifyLatency"]) {
      expect(body).toContain(`\\"ApiTokenService\\",\\"${metric}\\",\\"service\\",\\"api-token-service\\"`);
    }
    for (const stat of ["p50", "p99"]) expect(body).toContain(`\\"VerifyLatency\\",\\"service\\",\\"api-token-service\\",{\\"label\\":\\"${stat}\\"`);
    for (const metric of ["4xx", "5xx", "Latency", "Errors", "ApproximateNumberOfMessagesVisible"]) expect(body).toContain(`\\"${metric}\\"`);
    // Every dead-letter queue's depth, on-token-deleted's too.
    for (const queueId of [...eventRules.map(({ operation }) => deadLetterQueueOf(operation)), streamDeadLetterQueue()]) {
      expect(body).toContain(JSON.stringify({ "Fn::GetAtt": [queueId, "QueueName"] }));
    }
    expect(template.toJSON().Outputs.DashboardName.Value).toEqual({ Ref: dashboards[0]![0] });
  });
});

describe("token authorizer for other APIs", () => {
  test("caches answers for at most 60 s (the worst-case revocation delay)", () => {
    expect(stack.tokenAuthorizer.resultsCacheTtl.toSeconds()).toBeLessThanOrEqual(60);
    expect(stack.tokenAuthorizer.resultsCacheTtl.toSeconds()).toBe(30);
  });

  test("its function's ARN is exported for other stacks", () => {
    const output = template.toJSON().Outputs.TokenAuthorizerFunctionArn;
    expect(output.Value).toEqual({ "Fn::GetAtt": [functionOf(tokenAuthorizerFunction.operation)[0], "Arn"] });
    expect(output.Export.Name).toBe("ApiTokenService-TokenAuthorizerFunctionArn");
  });
});

describe("console test events", () => {
  const expected = consoleTestEvents({ userIdClaim: DEFAULT_POOL_USER_ID_CLAIM });
  const schemaOf = (operation: string) => {
    const [functionId] = functionOf(operation);
    const found = ofType("AWS::EventSchemas::Schema").filter(
      ([, s]) => JSON.stringify(s.Properties.SchemaName) === JSON.stringify({ "Fn::Join": ["", ["_", { Ref: functionId }, "-schema"]] }),
    );
    expect(found, operation).toHaveLength(1);
    return found[0]![1].Properties;
  };

  test("exactly one schema per function, in the Lambda console's registry", () => {
    expect(ofType("AWS::EventSchemas::Schema")).toHaveLength(allOperations.length);
    // The registry is the account's (the console's own schemas live there): never a resource of this stack.
    expect(ofType("AWS::EventSchemas::Registry")).toEqual([]);
  });

  test("every schema waits for the custom resource that makes sure the registry exists", () => {
    const ensured = ofType("Custom::TestEventRegistry");
    expect(ensured).toHaveLength(1);
    const [ensureId] = ensured[0]!;
    for (const [id, schema] of ofType("AWS::EventSchemas::Schema")) expect(schema.DependsOn ?? [], id).toContain(ensureId);
  });

  test("the registry is created where it is missing, found where it exists, and never deleted", () => {
    const [, ensure] = ofType("Custom::TestEventRegistry")[0]!;
    for (const phase of ["Create", "Update"]) {
      const call = JSON.parse(ensure.Properties[phase]);
      expect(call).toMatchObject({
        service: "Schemas",
        action: "CreateRegistry",
        parameters: { RegistryName: TEST_EVENT_REGISTRY_NAME },
        // The console (or another stage) made it already: that is success.
        ignoreErrorCodesMatching: "ConflictException",
      });
    }
    expect(ensure.Properties.Delete).toBeUndefined();
    // Its function may create that one registry, and nothing else of EventBridge Schemas.
    const schemaStatements = allStatements().filter((s) => asList<string>(s.Action).some((a) => a.startsWith("schemas:")));
    expect(schemaStatements).toEqual([
      expect.objectContaining({
        Action: "schemas:CreateRegistry",
        Resource: `arn:aws:schemas:eu-west-1:123456789012:registry/${TEST_EVENT_REGISTRY_NAME}`,
      }),
    ]);
  });

  test.each(allOperations)("%s has a shareable test event with its example payload", (operation) => {
    const schema = schemaOf(operation);
    expect(schema.RegistryName).toBe(TEST_EVENT_REGISTRY_NAME);
    expect(schema.Type).toBe("OpenApi3");
    const content = JSON.parse(schema.Content);
    expect(content.openapi).toBe("3.0.0");
    const examples = expected[operation]!;
    expect(examples.length).toBeGreaterThan(0);
    expect(Object.keys(content.components.examples)).toEqual(examples.map((e) => e.name));
    for (const { name, event } of examples) {
      expect(content.components.examples[name].value).toEqual(event);
      expect(name).toMatch(/^[A-Za-z0-9._-]{1,25}$/);
    }
  });

  test("route events are API Gateway payload 2.0 requests for that route, with placeholder credentials", () => {
    for (const route of routes) {
      const event = expected[route.operation]![0]!.event as any;
      expect(event.version).toBe("2.0");
      expect(event.routeKey).toBe(`${route.method} ${route.path}`);
      expect(event.requestContext.http.method).toBe(route.method);
      expect(event.rawPath).not.toMatch(/[{}]/);
      const pattern = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      expect(event.rawPath).toMatch(pattern);
      for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
        expect(route.path).toContain(`{${name}}`);
        expect(event.rawPath).toContain(`/${value}`);
      }
      expect(event.headers.authorization).toMatch(/<[^>]+>/);
      if (route.auth === "session") expect(event.requestContext.authorizer.jwt.claims.sub).toEqual(expect.any(String));
      if (route.auth === "iam") expect(event.requestContext.authorizer.iam.userArn).toEqual(expect.any(String));
      if (["POST", "PATCH"].includes(route.method) && route.operation !== "login-with-token") {
        expect(() => JSON.parse(event.body), route.operation).not.toThrow();
        expect(event.headers["content-type"]).toBe("application/json");
      }
    }
  });

  test("event-handler events are EventBridge events that match their rule and pass the handler's validation", () => {
    const detailSchemas: Record<string, { safeParse(value: unknown): { success: boolean } }> = {
      "User Upserted": userUpsertedSchema,
      "User Deactivated": membershipStatusEventSchema,
      "User Reactivated": membershipStatusEventSchema,
      "User Removed From Organization": membershipStatusEventSchema,
      "Organization Settings Changed": organizationSettingsChangedSchema,
      "Organization Deleted": organizationDeletedSchema,
    };
    for (const rule of eventRules) {
      const event = expected[rule.operation]![0]!.event as any;
      expect(rule.pattern.source).toContain(event.source);
      expect(rule.pattern["detail-type"]).toContain(event["detail-type"]);
      expect(detailSchemas[event["detail-type"]]!.safeParse(event.detail).success, rule.operation).toBe(true);
    }
  });

  test("operator events are dry runs, and the redrive one names a real handler", () => {
    for (const { operation } of operatorFunctions) {
      for (const { event } of expected[operation]!) expect(event.dryRun, operation).toBe(true);
    }
    const redrive = expected[redriveDeadLettersFunction.operation]![0]!.event;
    expect(eventRules.map((r) => r.operation)).toContain(redrive.handler);
  });

  test("no example holds anything shaped like a real API token", () => {
    expect(JSON.stringify(expected)).not.toMatch(/atk_(user|svc)_[0-9A-Za-z]{20,}/);
  });
});

describe("cdk-nag (AwsSolutions and Serverless packs)", () => {
  test("synthesizing the app leaves no unacknowledged finding", () => {
    expect(violations).toEqual([]);
  });
});
