import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { describe, expect, test } from "vitest";
import { TokenAuthorizer } from "../../infra/constructs/token-authorizer.ts";

/** A small API of "another service" with one route behind the authorizer (no bundling: inline code). */
function consumerStack(make: (stack: Stack) => TokenAuthorizer) {
  const app = new App();
  const stack = new Stack(app, "Consumer", { env: { account: "123456789012", region: "eu-west-1" } });
  const authorizer = make(stack);
  const backend = new LambdaFunction(stack, "Backend", {
    runtime: Runtime.NODEJS_24_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
  });
  const api = new HttpApi(stack, "Api");
  api.addRoutes({
    path: "/v1/reports",
    methods: [HttpMethod.GET],
    integration: new HttpLambdaIntegration("Reports", backend),
    authorizer: authorizer.authorizer,
  });
  return { authorizer, template: Template.fromStack(stack) };
}

const inlineAuthorizerFunction = (stack: Stack) =>
  new LambdaFunction(stack, "AuthorizerFunction", {
    runtime: Runtime.NODEJS_24_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = async () => ({ isAuthorized: false });"),
  });

describe("TokenAuthorizer", () => {
  test("a REQUEST authorizer with simple responses on the Authorization header, cached 30 s by default", () => {
    const { template } = consumerStack((stack) => new TokenAuthorizer(stack, "ApiTokens", { handler: inlineAuthorizerFunction(stack) }));
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      IdentitySource: ["$request.header.Authorization"],
      AuthorizerResultTtlInSeconds: 30,
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", { AuthorizationType: "CUSTOM" });
  });

  test.each([0, 1, 60])("accepts a cache of %i s", (seconds) => {
    const { template, authorizer } = consumerStack(
      (stack) =>
        new TokenAuthorizer(stack, "ApiTokens", { handler: inlineAuthorizerFunction(stack), resultsCacheTtl: Duration.seconds(seconds) }),
    );
    expect(authorizer.resultsCacheTtl.toSeconds()).toBe(seconds);
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", { AuthorizerResultTtlInSeconds: seconds });
  });

  test.each([
    { label: "61 s", resultsCacheTtl: Duration.seconds(61) },
    { label: "300 s", resultsCacheTtl: Duration.seconds(300) },
    { label: "2 min", resultsCacheTtl: Duration.minutes(2) },
  ])("refuses a cache of $label at synthesis (a revoked token would keep working that long)", ({ resultsCacheTtl }) => {
    const stack = new Stack(new App(), "Consumer");
    const handler = inlineAuthorizerFunction(stack);
    expect(() => new TokenAuthorizer(stack, "ApiTokens", { handler, resultsCacheTtl })).toThrow(/at most 60 s/);
  });

  test("another stack attaches the exported function by ARN, and grants API Gateway the invoke itself", () => {
    const arn = "arn:aws:lambda:eu-west-1:123456789012:function:ApiTokenService-TokenAuthorizerFunction";
    const { template } = consumerStack((stack) => TokenAuthorizer.fromFunctionArn(stack, "ApiTokens", arn));
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", { AuthorizerResultTtlInSeconds: 30, EnableSimpleResponses: true });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: arn,
      Principal: "apigateway.amazonaws.com",
    });
  });
});
