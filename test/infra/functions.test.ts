/** Every function: one per definition, the shared defaults, its timeout and environment; the list cursor key. */
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { MAX_WAIT_MS, PENDING_TIMEOUT_MS } from "../../functions/domain/password-throttle.ts";
import { PAGINATED_OPERATIONS } from "../../infra/api-token-service-stack.ts";
import { routes } from "../../infra/routes.ts";
import { actionsOf, allDefinitions, allOperations, useDefaultApp } from "./template.ts";

const app = useDefaultApp();

/** The logical id prefix of the one function CDK makes for every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_FUNCTION = "AWS679f53fac002430cb0da5b7982bd2287";
/** CDK's BucketDeployment handler, which copies the web page into its bucket during a deploy. */
const BUCKET_DEPLOYMENT_FUNCTION = "CustomCDKBucketDeployment";

describe("every function", () => {
  test("one per definition (routes, event rules, authorizer, stream consumer, operators), besides CDK's deploy-time ones", () => {
    const functions = app
      .ofType("AWS::Lambda::Function")
      .filter(([id]) => !id.startsWith(AWS_CUSTOM_RESOURCE_FUNCTION) && !id.startsWith(BUCKET_DEPLOYMENT_FUNCTION));
    expect(functions).toHaveLength(allOperations.length);
    expect(new Set(allOperations).size).toBe(allOperations.length);
  });

  test.each(allDefinitions)("$operation: Node.js 24 on arm64, JSON logs to its own log group, traced, its own role", (definition) => {
    const { operation } = definition;
    const [, fn] = app.functionOf(operation);
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      MemorySize: 256,
      // The definition's timeout, or the shared 10 s.
      Timeout: definition.timeoutSeconds ?? 10,
      Handler: "index.handler",
      TracingConfig: { Mode: "Active" },
      // Hot paths leave Lambda's per-invocation START/REPORT lines out (they would cost more than the read).
      LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "hotPath" in definition ? "WARN" : "INFO" },
    });
    const variables = fn.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      SERVICE_NAME: "api-token-service",
      LOG_LEVEL: "INFO",
      METRICS_NAMESPACE: "ApiTokenService",
    });
    // The table names exactly where the definition gives table access.
    if (definition.tableAccess === "none") {
      expect(variables.TABLE_NAME).toBeUndefined();
      expect(variables.ACTIVITY_TABLE_NAME).toBeUndefined();
    } else {
      expect(variables).toMatchObject({ TABLE_NAME: { Ref: app.tableIds.tokens }, ACTIVITY_TABLE_NAME: { Ref: app.tableIds.activity } });
    }
    // Source maps only when asked (context sourceMaps): bundles carry only code.
    expect(variables.NODE_OPTIONS).toBeUndefined();
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(app.resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    // Its own role, no AWS managed policy (AWSLambdaBasicExecutionRole may write to every log group).
    const roleId = fn.Properties.Role["Fn::GetAtt"][0];
    expect(app.resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(app.ofType("AWS::Lambda::Function").filter(([, f]) => f.Properties.Role["Fn::GetAtt"][0] === roleId)).toHaveLength(1);
  });

  test("the hot paths are verify and the token authorizer", () => {
    expect(allDefinitions.filter((d) => "hotPath" in d && d.hotPath).map((d) => d.operation)).toEqual(
      expect.arrayContaining(["verify-token", "token-authorizer"]),
    );
    expect(allDefinitions.filter((d) => "hotPath" in d && d.hotPath)).toHaveLength(2);
    for (const definition of allDefinitions) {
      const variables = app.functionOf(definition.operation)[1].Properties.Environment.Variables;
      expect(variables.METRICS_BUFFER_SECONDS, definition.operation).toBe("hotPath" in definition ? "10" : undefined);
    }
  });

  // A generate may wait for other password checks of the same person (functions/domain/password-throttle.ts).
  test("generate-user-token outlasts the password throttle's wait, within API Gateway's 30 s and a place's life", () => {
    const timeout = app.functionOf("generate-user-token")[1].Properties.Timeout as number;
    expect(timeout).toBeGreaterThanOrEqual(MAX_WAIT_MS / 1000 + 5);
    expect(timeout).toBeLessThan(30);
    expect(timeout * 1000).toBeLessThanOrEqual(PENDING_TIMEOUT_MS);
  });

  test("generate-user-token checks passwords with the stack's Cognito user pool (AdminInitiateAuth on that pool)", () => {
    const [, fn] = app.functionOf("generate-user-token");
    const [userPoolId] = app.ofType("AWS::Cognito::UserPool")[0]!;
    const [clientId] = app.ofType("AWS::Cognito::UserPoolClient")[0]!;
    expect(fn.Properties.Environment.Variables).toMatchObject({
      PASSWORD_CHECK: "cognito",
      COGNITO_USER_POOL_ID: { Ref: userPoolId },
      COGNITO_CLIENT_ID: { Ref: clientId },
    });
    const cognito = app.statementsOf("generate-user-token").filter((s) => actionsOf([s]).some((a) => a.startsWith("cognito-idp:")));
    // The pool user comes from the session (cognito:username): no ListUsers, no searching the pool. That no
    // other role holds a cognito-idp action is in iam.test.ts (each role's exact actions).
    expect(cognito).toEqual([
      expect.objectContaining({
        Action: "cognito-idp:AdminInitiateAuth",
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [userPoolId, "Arn"] },
      }),
    ]);
  });
});

describe("list cursors", () => {
  test("only the list functions get CURSOR_KEY: the stack's generated secret, by a dynamic reference (never its value)", () => {
    app.template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    // The functions' config takes 32 characters or more.
    app.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: Match.anyValue() },
      SecretString: Match.absent(),
    });
    const [secretId, secret] = app.ofType("AWS::SecretsManager::Secret")[0]!;
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
    for (const operation of allOperations) {
      const value = app.functionOf(operation)[1].Properties.Environment.Variables.CURSOR_KEY;
      if (PAGINATED_OPERATIONS.includes(operation)) {
        expect(value, operation).toEqual({ "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: secretId }, ":SecretString:::}}"]] });
      } else {
        expect(value, operation).toBeUndefined();
      }
    }
    // Exactly the routes that take ?cursor= (API.md: service-users, admin/tokens, activity).
    expect(
      routes
        .filter((r) => PAGINATED_OPERATIONS.includes(r.operation))
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/v1/orgs/{orgId}/activity", "/v1/orgs/{orgId}/admin/tokens", "/v1/orgs/{orgId}/service-users"]);
  });

  test("no role reads the secret at run time (CloudFormation resolves it at deploy)", () => {
    expect(actionsOf(app.allStatements()).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
  });
});
