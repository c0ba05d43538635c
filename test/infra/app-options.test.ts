import { Queue } from "aws-cdk-lib/aws-sqs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { buildApp } from "../../infra/app.ts";
import { TEST_EVENT_REGISTRY_NAME } from "../../infra/ops/console-test-events.ts";
import { readViolations, synthesizeShared, type SynthesizedTemplate } from "./synth.ts";

/** The app with every optional setting given, as `npx cdk deploy -c ...` would pass them (strings). */
const OPTIONS = {
  alarmEmail: "oncall@example.com",
  corsAllowOrigins: "https://app.example.com, https://admin.example.com",
  apiThrottleRateLimit: "50",
  apiThrottleBurstLimit: "100",
  tokenAuthorizerCacheTtlSeconds: "10",
  logLevel: "DEBUG",
  sourceMaps: "true",
  deletionProtection: "true",
  eventSourceAccounts: "111111111111, 222222222222",
  verifyCallerAccounts: "333333333333",
  authCallbackUrls: "https://app.example.com/auth/callback",
  authLogoutUrls: "https://app.example.com/",
  authDomainPrefix: "acme-api-tokens",
};

let synthesized: SynthesizedTemplate;
const resources = () => synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
const ofType = (type: string) => Object.entries(resources()).filter(([, r]) => r.Type === type);

beforeAll(() => {
  synthesized = synthesizeShared(OPTIONS);
}, 180_000);

describe("context options", () => {
  test("the app stays clean under both nag packs with every option on", () => {
    expect(synthesized.violations).toEqual([]);
  });

  test("deletionProtection protects both tables and the user pool", () => {
    const tables = ofType("AWS::DynamoDB::GlobalTable");
    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      for (const replica of table.Properties.Replicas) expect(replica.DeletionProtectionEnabled).toBe(true);
    }
    expect(ofType("AWS::Cognito::UserPool")[0]![1].Properties.DeletionProtection).toBe("ACTIVE");
  });

  test("sourceMaps turns source maps on in every function", () => {
    const functions = ofType("AWS::Lambda::Function").filter(([, f]) => f.Properties.Environment?.Variables?.SERVICE_NAME);
    expect(functions.length).toBeGreaterThan(20);
    for (const [id, fn] of functions) expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBe("--enable-source-maps");
  });

  test("alarmEmail subscribes that address to the alarm topic", () => {
    const subscriptions = ofType("AWS::SNS::Subscription");
    expect(subscriptions).toHaveLength(1);
    const [, subscription] = subscriptions[0]!;
    expect(subscription.Properties).toMatchObject({ Protocol: "email", Endpoint: OPTIONS.alarmEmail });
  });

  test("corsAllowOrigins sets CORS for exactly those origins, bearer headers, no credentials", () => {
    const [, api] = ofType("AWS::ApiGatewayV2::Api")[0]!;
    expect(api.Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: ["https://app.example.com", "https://admin.example.com"],
      AllowHeaders: ["authorization", "content-type"],
    });
    expect(api.Properties.CorsConfiguration.AllowCredentials).toBeFalsy();
  });

  test("throttling comes from context", () => {
    const [, stage] = ofType("AWS::ApiGatewayV2::Stage")[0]!;
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  test("eventSourceAccounts: the rules listen on a bus of the stack's own that admits exactly those accounts' platform events", () => {
    const buses = ofType("AWS::Events::EventBus");
    expect(buses).toHaveLength(1);
    const [busId, bus] = buses[0]!;
    expect(bus.Properties.Name).toBe("ApiTokenService-platform-events");
    const rules = ofType("AWS::Events::Rule").filter(([, rule]) => rule.Properties.EventPattern?.source);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const [id, rule] of rules) expect(rule.Properties.EventBusName, id).toEqual({ Ref: busId });
    const policies = ofType("AWS::Events::EventBusPolicy");
    expect(policies).toHaveLength(1);
    expect(policies[0]![1].Properties.Statement).toEqual({
      Sid: expect.any(String),
      Effect: "Allow",
      Action: "events:PutEvents",
      Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
      Resource: { "Fn::GetAtt": [busId, "Arn"] },
      Condition: { StringEquals: { "events:source": ["platform.organizations", "platform.users"] } },
    });
  });

  test("verifyCallerAccounts: a role those accounts may assume, allowed to call POST /v1/verify or invoke its function, and nothing else", () => {
    const roles = ofType("AWS::IAM::Role").filter(([, role]) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes("333333333333"),
    );
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: "sts:AssumeRole", Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" } }),
    ]);
    const policies = ofType("AWS::IAM::ManagedPolicy");
    const [policyId, policy] = policies.find(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes("execute-api"))!;
    const [invokePolicyId, invokePolicy] = policies.find(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes("lambda:InvokeFunction"),
    )!;
    expect(role.Properties.ManagedPolicyArns).toEqual([{ Ref: policyId }, { Ref: invokePolicyId }]);
    const [verifyId] = ofType("AWS::Lambda::Function").find(([, fn]) => fn.Properties.Description === "verify-token")!;
    expect(invokePolicy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: { "Fn::GetAtt": [verifyId, "Arn"] } },
    ]);
    // The verify function's resource policy lets that account invoke it directly (its principals need the policy too).
    const direct = ofType("AWS::Lambda::Permission").filter(([, p]) => p.Properties.Principal === "333333333333");
    expect(direct.map(([, p]) => p.Properties)).toEqual([
      { Action: "lambda:InvokeFunction", FunctionName: { "Fn::GetAtt": [verifyId, "Arn"] }, Principal: "333333333333" },
    ]);
    // Nothing else is attached to the role.
    const inline = ofType("AWS::IAM::Policy").filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    expect(inline).toEqual([]);
    const [apiId] = ofType("AWS::ApiGatewayV2::Api")[0]!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: { "Fn::Join": ["", ["arn:aws:execute-api:eu-west-1:123456789012:", { Ref: apiId }, "/$default/POST/v1/verify"]] },
      },
    ]);
    expect(synthesized.template.toJSON().Outputs.VerifyCallerRoleArn.Value).toEqual({ "Fn::GetAtt": [roleId, "Arn"] });
  });

  test("authCallbackUrls: the authorization code flow only (PKCE, never implicit), with those URLs after the page's, and a Cognito domain", () => {
    const [, client] = ofType("AWS::Cognito::UserPoolClient")[0]!;
    const [distributionId] = ofType("AWS::CloudFront::Distribution")[0]!;
    const site = (suffix: string) => ({ "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distributionId, "DomainName"] }, suffix]] });
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthScopes: ["openid", "email", "profile"],
      CallbackURLs: [site("/auth/callback"), site("/"), "https://app.example.com/auth/callback"],
      LogoutURLs: [site("/"), "https://app.example.com/"],
      GenerateSecret: false,
      ExplicitAuthFlows: expect.arrayContaining(["ALLOW_ADMIN_USER_PASSWORD_AUTH"]),
    });
    expect(ofType("AWS::Cognito::UserPoolDomain")[0]![1].Properties.Domain).toBe("acme-api-tokens");
  });

  test("the old createTestEventRegistry option is refused with what to do instead", () => {
    expect(() => buildApp({ context: { "aws:cdk:bundling-stacks": [], createTestEventRegistry: "true" } })).toThrow(
      new RegExp(`createTestEventRegistry is gone.*${TEST_EVENT_REGISTRY_NAME}`),
    );
  });

  // The authorizer cache from context (tokenAuthorizerCacheTtlSeconds) is in stack-options.test.ts: the
  // authorizer renders nothing in this stack's template (other APIs attach it).
  test("the log level comes from context", () => {
    for (const [, fn] of ofType("AWS::Lambda::Function").filter(([, f]) => f.Properties.Environment?.Variables?.SERVICE_NAME)) {
      expect(fn.Properties.LoggingConfig.ApplicationLogLevel).toBe("DEBUG");
      expect(fn.Properties.Environment.Variables.LOG_LEVEL).toBe("DEBUG");
    }
  });

  test("a token authorizer cache over 60 s fails synthesis", () => {
    expect(() => buildApp({ context: { "aws:cdk:bundling-stacks": [], tokenAuthorizerCacheTtlSeconds: "61" } })).toThrow(/at most 60 s/);
  });
});

describe("cdk-nag gate", () => {
  test("synthesis fails on a finding nobody acknowledged", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "api-token-service-nag-"));
    try {
      const { app, stack } = buildApp({ outdir, context: { "aws:cdk:bundling-stacks": [] } });
      // A queue without TLS enforcement or a DLQ: AwsSolutions-SQS3/SQS4, Serverless-SQSRedrivePolicy.
      new Queue(stack, "Unacknowledged");
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
      const found = readViolations(outdir);
      expect(found.map((v) => v.rule)).toEqual(
        expect.arrayContaining(["AwsSolutions-SQS4", "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"]),
      );
      // Only the new queue: everything else in the stack stays acknowledged or compliant.
      expect(new Set(found.flatMap((v) => v.paths))).toEqual(new Set(["ApiTokenService/Unacknowledged/Resource"]));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000); // a full synthesis, on a machine the whole suite shares
});

describe("an existing OIDC issuer instead of the stack's user pool", () => {
  const EXTERNAL = {
    jwtIssuer: "https://idp.example.com/",
    jwtAudience: "api-token-service",
    webAuthorizationEndpoint: "https://idp.example.com/oauth2/authorize",
    webTokenEndpoint: "https://login.example.com/oauth2/token",
    webEndSessionEndpoint: "https://idp.example.com/logout",
  };

  test("no Cognito, sessions checked against that issuer, and generate-user-token told it cannot check passwords", () => {
    const external = synthesizeShared(EXTERNAL);
    expect(external.violations).toEqual([]);
    const json = external.template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    expect(Object.values(json).filter((r) => r.Type.startsWith("AWS::Cognito::"))).toEqual([]);
    const [authorizer] = Object.values(json).filter(
      (r) => r.Type === "AWS::ApiGatewayV2::Authorizer" && r.Properties.AuthorizerType === "JWT",
    );
    expect(authorizer!.Properties.JwtConfiguration).toEqual({ Issuer: "https://idp.example.com/", Audience: ["api-token-service"] });
    const generate = Object.values(json).find(
      (r) => r.Type === "AWS::Lambda::Function" && r.Properties.Description === "generate-user-token",
    );
    expect(generate!.Properties.Environment.Variables.PASSWORD_CHECK).toBe("none");
    expect(generate!.Properties.Environment.Variables.COGNITO_USER_POOL_ID).toBeUndefined();
    // An external issuer's `sub` is the platform's user id unless userIdClaim says otherwise.
    expect(generate!.Properties.Environment.Variables.SESSION_USER_ID_CLAIM).toBe("sub");
  }, 180_000);

  test("the web page signs in at that issuer: its origins in the page's CSP, its endpoints and client in config.json", () => {
    const json = synthesizeShared(EXTERNAL).template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const [policy] = Object.values(json).filter((r) => r.Type === "AWS::CloudFront::ResponseHeadersPolicy");
    const csp: string = policy!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp).toContain("connect-src 'self' https://idp.example.com https://login.example.com;");
    expect(csp).not.toContain("cognito");
    const assets = Object.values(json).filter((r) => r.Type === "Custom::CDKBucketDeployment");
    expect(assets).toHaveLength(2);
  }, 180_000);

  test("without the issuer's endpoints for the page, synthesis says what to give (or webSite=false)", () => {
    expect(() => buildApp({ context: { "aws:cdk:bundling-stacks": [], jwtIssuer: "https://idp.example.com/", jwtAudience: "a" } })).toThrow(
      /give webAuthorizationEndpoint, webTokenEndpoint and webEndSessionEndpoint.*webSite=false/,
    );
  });
});
