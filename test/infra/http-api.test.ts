/** The HTTP API from the route table: routes and their authorization, the stage, access logs, CORS, verify callers. */
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { routes } from "../../infra/routes.ts";
import { useDefaultApp } from "./template.ts";

const app = useDefaultApp();

const AUTHORIZATION_TYPES = { session: "JWT", iam: "AWS_IAM", none: "NONE" } as const;

describe("routes", () => {
  test("one route per route-table entry, with the entry's authorization, on its own function (payload 2.0)", () => {
    app.template.resourceCountIs("AWS::ApiGatewayV2::Route", routes.length);
    const [authorizerId] = app.ofType("AWS::ApiGatewayV2::Authorizer")[0]!;
    for (const route of routes) {
      const found = app.ofType("AWS::ApiGatewayV2::Route").filter(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toHaveLength(1);
      const [, apiRoute] = found[0]!;
      expect(apiRoute.Properties.AuthorizationType).toBe(AUTHORIZATION_TYPES[route.auth]);
      if (route.auth === "session") expect(apiRoute.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      else expect(apiRoute.Properties.AuthorizerId).toBeUndefined();
      const integrationId = apiRoute.Properties.Target["Fn::Join"][1][1].Ref;
      expect(app.resources[integrationId]?.Properties).toMatchObject({
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [app.functionOf(route.operation)[0], "Arn"] },
      });
    }
  });

  test("every management route (/v1/orgs/...) takes a session; verify is IAM-authorized, login has no authorizer", () => {
    for (const route of routes.filter((r) => r.path.startsWith("/v1/orgs/"))) expect(route.auth, route.operation).toBe("session");
    app.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /v1/verify", AuthorizationType: "AWS_IAM" });
    app.template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /v1/login", AuthorizationType: "NONE" });
  });

  test("session routes check JWTs from the stack's user pool, for its app client", () => {
    app.template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
    const [userPoolId] = app.ofType("AWS::Cognito::UserPool")[0]!;
    const [clientId] = app.ofType("AWS::Cognito::UserPoolClient")[0]!;
    app.template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: {
        Audience: [{ Ref: clientId }],
        Issuer: { "Fn::Join": ["", ["https://cognito-idp.eu-west-1.amazonaws.com/", { Ref: userPoolId }]] },
      },
    });
  });
});

describe("stage, throttling, access logs, CORS", () => {
  test("one $default stage, auto-deployed, with default route throttling", () => {
    app.template.resourceCountIs("AWS::ApiGatewayV2::Stage", 1);
    app.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  test("JSON access logs to their own log group, without the Authorization header or the body", () => {
    const [, stage] = app.ofType("AWS::ApiGatewayV2::Stage")[0]!;
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn["Fn::GetAtt"][0];
    expect(app.resources[logGroupId]?.Type).toBe("AWS::Logs::LogGroup");
    expect(app.resources[logGroupId]?.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(app.outputs.ApiAccessLogGroupName!.Value).toEqual({ Ref: logGroupId });
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
    app.template.hasResourceProperties("AWS::ApiGatewayV2::Api", { CorsConfiguration: Match.absent() });
  });
});

describe("who may call POST /v1/verify, or invoke the verify function directly", () => {
  const managedPolicy = (outputName: string) => {
    const ref = app.outputs[outputName]!.Value as { Ref: string };
    const found = app.ofType("AWS::IAM::ManagedPolicy").find(([id]) => id === ref.Ref);
    expect(found, outputName).toBeDefined();
    return found![1];
  };
  const verifyFunctionId = () => {
    const found = app.ofType("AWS::Lambda::Function").find(([, fn]) => fn.Properties.Description === "verify-token");
    return found![0];
  };

  test("same-account callers get a managed policy that allows that route only; no cross-account role by default", () => {
    app.template.resourceCountIs("AWS::IAM::ManagedPolicy", 2);
    const [apiId] = app.ofType("AWS::ApiGatewayV2::Api")[0]!;
    expect(managedPolicy("VerifyCallerPolicyArn").Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: { "Fn::Join": ["", ["arn:aws:execute-api:eu-west-1:123456789012:", { Ref: apiId }, "/$default/POST/v1/verify"]] },
      },
    ]);
    expect(app.outputs.VerifyCallerRoleArn).toBeUndefined();
  });

  test("and a managed policy that allows invoking the verify function, and nothing else; its ARN is an exported output", () => {
    const fnId = verifyFunctionId();
    expect(managedPolicy("VerifyInvokePolicyArn").Properties.PolicyDocument.Statement).toEqual([
      { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: { "Fn::GetAtt": [fnId, "Arn"] } },
    ]);
    expect(app.outputs.VerifyFunctionArn).toMatchObject({
      Value: { "Fn::GetAtt": [fnId, "Arn"] },
      Export: { Name: "ApiTokenService-VerifyFunctionArn" },
    });
    // No account is allowed by the function's resource policy by default: only API Gateway may invoke it.
    const permissions = app.ofType("AWS::Lambda::Permission").filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(fnId));
    expect(permissions.map(([, p]) => p.Properties.Principal)).toEqual(["apigateway.amazonaws.com"]);
  });
});

test("outputs the API URL, the table names, the Cognito ids and what operators and other stacks use", () => {
  expect(Object.keys(app.outputs)).toEqual(
    expect.arrayContaining([
      "ApiUrl",
      "TableName",
      "ActivityTableName",
      "UserPoolId",
      "UserPoolClientId",
      "TokenAuthorizerFunctionArn",
      "AlarmTopicArn",
      "DashboardName",
      "ApiAccessLogGroupName",
      "RevokeUserTokensFunctionName",
      "RedriveDeadLettersFunctionName",
    ]),
  );
  const [apiId] = app.ofType("AWS::ApiGatewayV2::Api")[0]!;
  expect(JSON.stringify(app.outputs.ApiUrl!.Value)).toContain(apiId);
});
