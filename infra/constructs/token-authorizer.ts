import { Duration, Token } from "aws-cdk-lib";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { Function as LambdaFunction, type IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";

/** The longest result cache the construct allows: it bounds how long a revoked token keeps working. */
export const MAX_RESULTS_CACHE_TTL = Duration.seconds(60);
export const DEFAULT_RESULTS_CACHE_TTL = Duration.seconds(30);

export interface TokenAuthorizerProps {
  /** The token-authorizer function (`functions/authorizers/token-authorizer.ts`). */
  readonly handler: IFunction;
  /**
   * How long API Gateway caches an answer per `Authorization` header value. At most 60 s (synthesis fails
   * otherwise); `Duration.seconds(0)` turns the cache off. This is the worst-case revocation delay.
   * @default 30 seconds
   */
  readonly resultsCacheTtl?: Duration;
  /** @default the construct's id */
  readonly authorizerName?: string;
}

/**
 * Accepts API tokens on any HTTP API: a Lambda REQUEST authorizer with simple responses, reading
 * `Authorization: Bearer <API token>`. Routes that use it find the token's organization, principal,
 * permissions, groups and sites in `requestContext.authorizer.lambda` (`TokenAuthorizerContext`; the
 * lists are JSON strings).
 *
 * **Worst-case revocation delay = `resultsCacheTtl`** (30 s by default, never more than 60 s): API Gateway
 * caches each answer per header value, so a token revoked (or expired, or whose owner was deactivated)
 * just after a successful check keeps working on that API until its cached answer expires. Refusals are
 * cached too, which also spares the table from repeated bad tokens. A cache of 0 s makes revocation
 * immediate at the cost of one authorizer invocation per request.
 *
 * Another stack uses the one authorizer function this service deploys through its exported ARN:
 * ```ts
 * const authorizer = TokenAuthorizer.fromFunctionArn(this, "ApiTokens",
 *   Fn.importValue("ApiTokenService-TokenAuthorizerFunctionArn"));
 * api.addRoutes({ path: "/reports", methods: [HttpMethod.GET], integration, authorizer: authorizer.authorizer });
 * ```
 * Each API that attaches it adds its own permission for API Gateway to invoke the function.
 */
export class TokenAuthorizer extends Construct {
  /** Attach this to routes (`authorizer:` of `addRoutes`). */
  readonly authorizer: HttpLambdaAuthorizer;
  readonly handler: IFunction;
  readonly resultsCacheTtl: Duration;

  /** For a stack in the same account and region that imports the exported function ARN. */
  static fromFunctionArn(
    scope: Construct,
    id: string,
    functionArn: string,
    props: Omit<TokenAuthorizerProps, "handler"> = {},
  ): TokenAuthorizer {
    const construct = new Construct(scope, `${id}Import`);
    // sameEnvironment: the ARN is usually a token (an import), and without it CDK would silently skip the
    // permission that lets API Gateway invoke the function.
    const handler = LambdaFunction.fromFunctionAttributes(construct, "Function", { functionArn, sameEnvironment: true });
    return new TokenAuthorizer(scope, id, { ...props, handler });
  }

  constructor(scope: Construct, id: string, props: TokenAuthorizerProps) {
    super(scope, id);
    const ttl = props.resultsCacheTtl ?? DEFAULT_RESULTS_CACHE_TTL;
    if (Token.isUnresolved(ttl.toSeconds())) {
      throw new Error("TokenAuthorizer: resultsCacheTtl must be a literal duration, so its limit can be checked.");
    }
    if (ttl.toSeconds() > MAX_RESULTS_CACHE_TTL.toSeconds()) {
      throw new Error(
        `TokenAuthorizer: resultsCacheTtl is ${ttl.toSeconds()} s; at most ${MAX_RESULTS_CACHE_TTL.toSeconds()} s is allowed, ` +
          "because it is how long a revoked token keeps working.",
      );
    }
    this.handler = props.handler;
    this.resultsCacheTtl = ttl;
    this.authorizer = new HttpLambdaAuthorizer(props.authorizerName ?? id, props.handler, {
      authorizerName: props.authorizerName ?? id,
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ["$request.header.Authorization"],
      resultsCacheTtl: ttl,
    });
  }
}
