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
      tokenEventBusName: "default",
      verifyCallerAccounts: [],
      sessionIssuer: { kind: "cognito", callbackUrls: [], logoutUrls: [], domainPrefix: undefined },
      userIdClaim: DEFAULT_POOL_USER_ID_CLAIM,
      webSite: true,
      corsAllowOrigins: [],
      throttle: { rateLimit: 500, burstLimit: 1000 },
      alarmEmail: undefined,
      tokenAuthorizerCacheTtl: DEFAULT_RESULTS_CACHE_TTL,
      logLevel: "INFO",
      deletionProtection: false,
      sourceMaps: false,
      keepByDueHourIndex: false,
    });
    expect(DEFAULT_RESULTS_CACHE_TTL.toSeconds()).toBe(30);
  });

  test("an external issuer's user id claim defaults to sub", () => {
    const options = parse({ jwtIssuer: "https://idp.example.com/", jwtAudience: "a, b", webSite: "false" });
    expect(options.sessionIssuer).toEqual({ kind: "external", issuer: "https://idp.example.com/", audience: ["a", "b"] });
    expect(options.webSite).toBe(false);
    expect(options.userIdClaim).toBe("sub");
  });
});

describe("the web page's sign-in", () => {
  test("a stage gets its own Cognito domain prefix: authDomainPrefix-<stage>", () => {
    expect(parse({ authDomainPrefix: "acme-tokens", stage: "blue" }).sessionIssuer).toMatchObject({ domainPrefix: "acme-tokens-blue" });
    expect(parse({ authDomainPrefix: "acme-tokens" }).sessionIssuer).toMatchObject({ domainPrefix: "acme-tokens" });
  });

  test("with an external issuer the page's client defaults to the one audience", () => {
    const options = parse({
      jwtIssuer: "https://idp.example.com/",
      jwtAudience: "web-client",
      webAuthorizationEndpoint: "https://idp.example.com/authorize",
      webTokenEndpoint: "https://idp.example.com/token",
      webEndSessionEndpoint: "https://idp.example.com/logout",
    });
    expect(options.webSite).toBe(true);
    expect(options.sessionIssuer).toMatchObject({
      webPage: {
        clientId: "web-client",
        authorizationEndpoint: "https://idp.example.com/authorize",
        tokenEndpoint: "https://idp.example.com/token",
        endSessionEndpoint: "https://idp.example.com/logout",
      },
    });
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
      keepByDueHourIndex: "true",
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
      keepByDueHourIndex: true,
      logLevel: "DEBUG",
      eventSourceAccounts: ["111111111111", "222222222222"],
      corsAllowOrigins: ["https://app.example.com", "https://admin.example.com"],
    });
    expect(options.tokenAuthorizerCacheTtl.toSeconds()).toBe(10);
  });

  test("tokenEventBusName: a bus name, or a bus ARN (also another account's), as given", () => {
    expect(parse({ tokenEventBusName: "platform-events" }).tokenEventBusName).toBe("platform-events");
    const arn = "arn:aws:events:eu-west-1:111111111111:event-bus/platform";
    expect(parse({ tokenEventBusName: arn }).tokenEventBusName).toBe(arn);
    // Beside a bus of the stack's own for the platform's events: the two settings are independent.
    expect(parse({ tokenEventBusName: arn, eventSourceAccounts: "111111111111" }).tokenEventBusName).toBe(arn);
    expect(parse({}, { tokenEventBusName: "from-props" }).tokenEventBusName).toBe("from-props");
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
    [{ webSite: "no" }, /webSite must be true or false/],
    [{ keepByDueHourIndex: "yes" }, /keepByDueHourIndex must be true or false/],
    [{ authDomainPrefix: "Acme" }, /authDomainPrefix must make a Cognito domain prefix/],
    [{ authDomainPrefix: "acme-" }, /authDomainPrefix must make a Cognito domain prefix/],
    [{ authDomainPrefix: "a".repeat(59), stage: "blue" }, /authDomainPrefix must make a Cognito domain prefix \(with the stage/],
    [{ authDomainPrefix: "my-amazon-tokens" }, /must not contain "amazon"/],
    [
      { jwtIssuer: "https://idp.example.com/", jwtAudience: "a" },
      /give webAuthorizationEndpoint, webTokenEndpoint and webEndSessionEndpoint/,
    ],
    [
      { jwtIssuer: "https://idp.example.com/", jwtAudience: "a, b", webAuthorizationEndpoint: "https://idp.example.com/a" },
      /more than one jwtAudience, give webClientId/,
    ],
    [
      {
        jwtIssuer: "https://idp.example.com/",
        jwtAudience: "a",
        webAuthorizationEndpoint: "http://idp.example.com/a",
        webTokenEndpoint: "https://idp.example.com/t",
        webEndSessionEndpoint: "https://idp.example.com/l",
      },
      /webAuthorizationEndpoint must be an https:\/\/ URL/,
    ],
    [{ createTestEventRegistry: "true" }, /createTestEventRegistry is gone.*lambda-testevent-schemas/],
    [{ tokenEventBusName: "my bus" }, /tokenEventBusName must be an event bus name .* or an event bus ARN .*, not "my bus"/],
    [{ tokenEventBusName: "x".repeat(257) }, /tokenEventBusName must be an event bus name/],
    [{ tokenEventBusName: "arn:aws:events:eu-west-1:1111:event-bus/platform" }, /tokenEventBusName must be an event bus name/],
    [{ tokenEventBusName: "arn:aws:sqs:eu-west-1:111111111111:platform" }, /tokenEventBusName must be an event bus name/],
    [
      { eventBusName: "arn:aws:events:eu-west-1:111111111111:event-bus/platform" },
      /eventBusName is the bus in this account .* not an ARN.*tokenEventBusName/,
    ],
  ] as const)("%j", (context, message) => {
    expect(() => parse(context)).toThrow(message);
  });
});
