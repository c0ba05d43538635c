/** The stack's options, parsed and checked once (no synthesis: the parser reads props and context only). */
import { App, Duration } from "aws-cdk-lib";
import { describe, expect, test } from "vitest";
import { DEFAULT_RESULTS_CACHE_TTL } from "../../infra/constructs/token-authorizer.ts";
import { DEFAULT_POOL_USER_ID_CLAIM, parseStackOptions, type ApiTokenServiceStackProps } from "../../infra/stack-options.ts";

const parse = (context: Record<string, unknown> = {}, props: ApiTokenServiceStackProps = {}) =>
  parseStackOptions(new App({ context }).node, props);

describe("defaults", () => {
  test("without props or context: no stage, Cognito, the default bus, 500/1000 throttling, a 30 s authorizer cache", () => {
    expect(parse()).toEqual({
      stage: undefined,
      metricsNamespace: "ApiTokenService",
      eventBusName: "default",
      eventSourceAccounts: [],
      verifyCallerAccounts: [],
      sessionIssuer: { kind: "cognito", callbackUrls: [], logoutUrls: [], domainPrefix: undefined },
      userIdClaim: DEFAULT_POOL_USER_ID_CLAIM,
      corsAllowOrigins: [],
      throttle: { rateLimit: 500, burstLimit: 1000 },
      alarmEmail: undefined,
      tokenAuthorizerCacheTtl: DEFAULT_RESULTS_CACHE_TTL,
      logLevel: "INFO",
      deletionProtection: false,
      sourceMaps: false,
    });
    expect(DEFAULT_RESULTS_CACHE_TTL.toSeconds()).toBe(30);
  });

  test("an external issuer's user id claim defaults to sub", () => {
    const options = parse({ jwtIssuer: "https://idp.example.com/", jwtAudience: "a, b" });
    expect(options.sessionIssuer).toEqual({ kind: "external", issuer: "https://idp.example.com/", audience: ["a", "b"] });
    expect(options.userIdClaim).toBe("sub");
  });
});

describe("context, as `cdk -c key=value` passes it (strings)", () => {
  test("numbers, booleans, lists and the stage's metrics namespace", () => {
    const options = parse({
      stage: "blue",
      apiThrottleRateLimit: "50",
      apiThrottleBurstLimit: "100",
      tokenAuthorizerCacheTtlSeconds: "10",
      deletionProtection: "true",
      sourceMaps: "true",
      logLevel: "DEBUG",
      eventSourceAccounts: "111111111111, 222222222222, 111111111111",
      corsAllowOrigins: "https://app.example.com, https://admin.example.com",
    });
    expect(options).toMatchObject({
      stage: "blue",
      metricsNamespace: "ApiTokenService/blue",
      throttle: { rateLimit: 50, burstLimit: 100 },
      deletionProtection: true,
      sourceMaps: true,
      logLevel: "DEBUG",
      eventSourceAccounts: ["111111111111", "222222222222"],
      corsAllowOrigins: ["https://app.example.com", "https://admin.example.com"],
    });
    expect(options.tokenAuthorizerCacheTtl.toSeconds()).toBe(10);
  });

  test("props win over context", () => {
    const options = parse(
      { logLevel: "DEBUG", stage: "blue" },
      { logLevel: "WARN", stage: "green", tokenAuthorizerCacheTtl: Duration.seconds(5) },
    );
    expect(options).toMatchObject({ logLevel: "WARN", stage: "green" });
    expect(options.tokenAuthorizerCacheTtl.toSeconds()).toBe(5);
  });
});

describe("refusals, each naming its key", () => {
  test.each([
    [{ stage: "Prod_1" }, /stage must be 1-20 lower-case letters/],
    [{ eventSourceAccounts: "12345" }, /eventSourceAccounts takes 12-digit AWS account ids/],
    [{ verifyCallerAccounts: "abc" }, /verifyCallerAccounts takes 12-digit AWS account ids/],
    [{ eventBusName: "platform", eventSourceAccounts: "111111111111" }, /eventBusName and eventSourceAccounts exclude each other/],
    [{ jwtIssuer: "https://idp.example.com/" }, /jwtIssuer and jwtAudience go together/],
    [{ userIdClaim: "email" }, /sub or custom:<attribute>/],
    [{ userIdClaim: "a b" }, /userIdClaim is not a claim name/],
    [{ authLogoutUrls: "https://app.example.com/" }, /authLogoutUrls needs authCallbackUrls/],
    [{ apiThrottleRateLimit: "-1" }, /apiThrottleRateLimit must be a non-negative number/],
    [{ tokenAuthorizerCacheTtlSeconds: "soon" }, /tokenAuthorizerCacheTtlSeconds must be a non-negative number/],
    [{ logLevel: "TRACE" }, /logLevel must be DEBUG, INFO, WARN or ERROR/],
    [{ createTestEventRegistry: "true" }, /createTestEventRegistry is gone.*lambda-testevent-schemas/],
  ] as const)("%j", (context, message) => {
    expect(() => parse(context)).toThrow(message);
  });
});
