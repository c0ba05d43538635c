import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, test } from "vitest";
import { tableDefinition } from "../../functions/adapters/dynamodb/table-definition.ts";
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

let template: Template;
let resources: Record<string, Resource>;

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

const actionsOf = (statements: Record<string, any>[]) => statements.flatMap((s) => asList<string>(s.Action));

beforeAll(() => {
  // Synthesized once for the whole file; bundling is skipped because no test looks at the assets.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new ApiTokenServiceStack(app, "TestStack", { env: { account: "123456789012", region: "eu-west-1" } });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

describe("table", () => {
  test("is built from the shared table definition", () => {
    const tables = ofType("AWS::DynamoDB::GlobalTable");
    expect(tables).toHaveLength(1);
    const [, table] = tables[0]!;
    const keySchema = (key: { partitionKey: { name: string }; sortKey?: { name: string } }) => [
      { AttributeName: key.partitionKey.name, KeyType: "HASH" },
      ...(key.sortKey ? [{ AttributeName: key.sortKey.name, KeyType: "RANGE" }] : []),
    ];

    expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.Properties.KeySchema).toEqual(keySchema(tableDefinition));
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      tableDefinition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index),
        Projection: { ProjectionType: "ALL" },
      })),
    );
    const keys = [tableDefinition, ...tableDefinition.globalSecondaryIndexes].flatMap((k) => [k.partitionKey, k.sortKey]);
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type }))),
    );
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: tableDefinition.timeToLiveAttribute,
      Enabled: true,
    });
  });

  test("is recoverable and survives the stack", () => {
    const [, table] = ofType("AWS::DynamoDB::GlobalTable")[0]!;
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
      expect(fn.Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
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

  test("each target is the rule's function, with retries and a dead-letter queue", () => {
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
      // The same queue catches the function's own failed asynchronous invocations.
      expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: { "Fn::GetAtt": [queueId, "Arn"] } });
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

  test("each function may write to the table only when its definition says readWrite", () => {
    for (const { operation, tableAccess } of operations) {
      const actions = actionsOf(statementsOf(operation)).filter((action) => action.startsWith("dynamodb:"));
      expect(actions, operation).toContain("dynamodb:GetItem");
      const writes = actions.filter((action) => WRITE_ACTION.test(action));
      if (tableAccess === "read") {
        expect(writes, operation).toEqual([]);
      } else {
        expect(writes, operation).toContain("dynamodb:PutItem");
      }
    }
  });
});

test("outputs the API URL, table name and Cognito ids", () => {
  expect(Object.keys(template.toJSON().Outputs)).toEqual(
    expect.arrayContaining(["ApiUrl", "TableName", "UserPoolId", "UserPoolClientId"]),
  );
});
