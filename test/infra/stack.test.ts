import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, test } from "vitest";
import {
  tableDefinitions,
  type TableDefinition,
  type TableName,
} from "../../functions/adapters/dynamodb/table-definition.ts";
import { ApiTokenServiceStack } from "../../infra/api-token-service-stack.ts";
import { eventRules } from "../../infra/event-rules.ts";
import { routes } from "../../infra/routes.ts";

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

const operations = [...routes, ...eventRules];
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

let template: Template;
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
  // Synthesized once for the whole file; bundling is skipped because no test looks at the assets.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new ApiTokenServiceStack(app, "TestStack", { env: { account: "123456789012", region: "eu-west-1" } });
  template = Template.fromStack(stack);
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
      expect(replica.DeletionProtectionEnabled).toBe(true);
    }
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
  });
});

describe("functions", () => {
  test("one per route and per event rule, all Node.js 24 on arm64 with the shared defaults", () => {
    const functions = ofType("AWS::Lambda::Function");
    expect(functions).toHaveLength(routes.length + eventRules.length);
    for (const { operation } of operations) {
      const [, fn] = functionOf(operation);
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        MemorySize: 256,
        Timeout: 10,
        Handler: "index.handler",
      });
      expect(fn.Properties.Environment.Variables, operation).toMatchObject({
        TABLE_NAME: { Ref: tableIds.tokens },
        ACTIVITY_TABLE_NAME: { Ref: tableIds.activity },
        NODE_OPTIONS: "--enable-source-maps",
      });
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
            Action: ["cognito-idp:ListUsers", "cognito-idp:AdminInitiateAuth"],
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
    expect(queues).toHaveLength(eventRules.length);
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
  expect(template.toJSON().Outputs.TableName.Value).toEqual({ Ref: tableIds.tokens });
  expect(template.toJSON().Outputs.ActivityTableName.Value).toEqual({ Ref: tableIds.activity });
});
