import { CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type CorsPreflightOptions,
  type HttpStage,
  type IHttpRouteAuthorizer,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AccountPrincipal, CompositePrincipal, ManagedPolicy, PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { RouteAuth, RouteDefinition } from "../routes.ts";
import { pascalCase } from "./operation-function.ts";
import type { Sessions } from "./sessions.ts";
import { StackPart } from "./stack-part.ts";

/** The lists that page with cursors (API.md "Conventions"): only their functions get the cursor key. */
export const PAGINATED_OPERATIONS: readonly string[] = ["list-service-users", "list-organization-tokens", "list-activity"];

/**
 * The access log: who called which route, with what outcome and how fast. Never the Authorization header,
 * the query string or the body (they carry tokens and passwords); the route key, not the raw path.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  routeKey: "$context.routeKey",
  protocol: "$context.protocol",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  error: "$context.error.message",
} as const;

export interface ServiceApiProps {
  readonly routes: readonly RouteDefinition[];
  readonly sessions: Sessions;
  readonly userIdClaim: string;
  readonly corsAllowOrigins: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Accounts whose principals may assume a role that calls the IAM-authorized routes. */
  readonly verifyCallerAccounts: readonly string[];
}

/**
 * The HTTP API from the route table: its `$default` stage (throttling, JSON access logs), CORS, the key that
 * seals list cursors, one route per entry on its own function (`addRoutes`, once the functions exist), and
 * who may call the IAM-authorized route.
 */
export class ServiceApi extends StackPart {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly cursorKey: Secret;
  readonly verifyCallerPolicy: ManagedPolicy;
  readonly verifyCallerRole?: Role;
  /** Made by addRoutes: lets same-account principals invoke the verify function directly. */
  verifyInvokePolicy?: ManagedPolicy;
  private readonly props: ServiceApiProps;

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.props = props;
    const stackName = Stack.of(this).stackName;
    this.api = new HttpApi(this, "HttpApi", {
      // Named after the stack, so each stage's API is told apart in the console.
      apiName: stackName,
      description: "API token service",
      // The stage is made below, with throttling and access logs.
      createDefaultStage: false,
      corsPreflight: props.corsAllowOrigins.length > 0 ? corsOptions(props.corsAllowOrigins) : undefined,
    });
    this.accessLogs = new LogGroup(this, "ApiAccessLogs", { retention: RetentionDays.THREE_MONTHS });
    // Same id as HttpApi's own default stage, so an existing deployment keeps its stage.
    this.stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.cursorKey = this.createCursorKey();
    ({ policy: this.verifyCallerPolicy, role: this.verifyCallerRole } = this.createVerifyCallerAccess(props.verifyCallerAccounts));

    new CfnOutput(this, "ApiUrl", { value: this.api.apiEndpoint });
    new CfnOutput(this, "ApiAccessLogGroupName", { value: this.accessLogs.logGroupName });
    new CfnOutput(this, "VerifyCallerPolicyArn", {
      description: "Attach to same-account principals that call POST /v1/verify",
      value: this.verifyCallerPolicy.managedPolicyArn,
    });
    if (this.verifyCallerRole) {
      new CfnOutput(this, "VerifyCallerRoleArn", {
        description: "Principals of verifyCallerAccounts assume this role to call POST /v1/verify",
        value: this.verifyCallerRole.roleArn,
      });
    }
  }

  /** What a route's function finds in its environment, besides what every function gets. */
  environmentFor(route: RouteDefinition): Record<string, string> {
    const environment: Record<string, string> = {};
    // Every session route reads the person's platform user id from this claim of the verified ID token.
    if (route.auth === "session") environment.SESSION_USER_ID_CLAIM = this.props.userIdClaim;
    if (PAGINATED_OPERATIONS.includes(route.operation)) {
      // A CloudFormation dynamic reference: resolved when the function is deployed, never in the template.
      environment.CURSOR_KEY = this.cursorKey.secretValue.unsafeUnwrap();
    }
    if (route.checksPassword) Object.assign(environment, this.props.sessions.passwordCheckEnvironment());
    return environment;
  }

  /** One route per route-table entry, each on its operation's function, with the entry's authorization. */
  addRoutes(functionOf: (operation: string) => IFunction): void {
    const authorizers: Record<RouteAuth, IHttpRouteAuthorizer> = {
      session: this.props.sessions.authorizer,
      iam: new HttpIamAuthorizer(),
      // Explicit, so a default authorizer added to the API later never lands on the token-authenticated routes.
      none: new HttpNoneAuthorizer(),
    };
    for (const route of this.props.routes) {
      const fn = functionOf(route.operation);
      if (route.checksPassword) this.props.sessions.grantPasswordCheck(fn);
      const [apiRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.operation)}Integration`, fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer: authorizers[route.auth],
      });
      if (route.auth === "iam") this.allowDirectInvocation(route, fn);
      if (route.auth === "none") {
        Validations.of(apiRoute!).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            route.operation === "get-openapi"
              ? "GET /openapi.json is the API's public contract (the OpenAPI document): it serves no data and needs no caller."
              : "POST /v1/login is authenticated by the API token in the Authorization header, which the function " +
                "verifies itself (API.md); an API Gateway authorizer would only add a second token check.",
        });
      }
    }
  }

  /**
   * Services inside AWS may skip API Gateway (and its $1.00 per million requests) and invoke the verify
   * function itself with `{ token, orgId? }` (README, "Verify without API Gateway"): a managed policy for
   * principals of this account, and the function's resource policy for the accounts in verifyCallerAccounts
   * (whose principals also need `lambda:InvokeFunction` on it in their own account; the role above has it).
   */
  private allowDirectInvocation(route: RouteDefinition, fn: IFunction): void {
    if (this.verifyInvokePolicy) throw new Error(`Only one IAM-authorized route can be invoked directly; ${route.path} is a second.`);
    const stackName = Stack.of(this).stackName;
    this.verifyInvokePolicy = new ManagedPolicy(this, "VerifyInvokePolicy", {
      description: `Invoke the verify function of ${stackName} directly (lambda:InvokeFunction), and nothing else`,
      statements: [new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [fn.functionArn] })],
    });
    this.verifyCallerRole?.addManagedPolicy(this.verifyInvokePolicy);
    for (const account of this.props.verifyCallerAccounts) {
      fn.addPermission(`DirectInvoke${account}`, { principal: new AccountPrincipal(account), action: "lambda:InvokeFunction" });
    }
    new CfnOutput(this, "VerifyFunctionArn", {
      description: "Invoke directly with { token, orgId? } (lambda:InvokeFunction): the verification result, no API Gateway",
      value: fn.functionArn,
      exportName: `${stackName}-VerifyFunctionArn`,
    });
    new CfnOutput(this, "VerifyInvokePolicyArn", {
      description: "Attach to same-account principals that invoke the verify function directly",
      value: this.verifyInvokePolicy.managedPolicyArn,
    });
  }

  /**
   * The key that seals list cursors (an HMAC over a page's position, its list and its organization), so a
   * cursor cannot be forged, edited or moved to another list or organization. Secrets Manager generates it:
   * the value is in no template and no repository. The list functions read it from their environment (a
   * dynamic reference CloudFormation resolves at deploy time), so a list needs no Secrets Manager call.
   */
  private createCursorKey(): Secret {
    const missing = PAGINATED_OPERATIONS.filter((operation) => !this.props.routes.some((route) => route.operation === operation));
    if (missing.length > 0) throw new Error(`PAGINATED_OPERATIONS names no route: ${missing.join(", ")}`);
    const secret = new Secret(this, "CursorKey", {
      description: "api-token-service: seals the list cursors (pagination) so they cannot be forged or moved",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotation would only end the cursors handed out before it (their next page answers 400 and the client " +
        "starts the list again), and the functions take the value when they are deployed, so a rotation reaches " +
        "them with the next deploy. What the key protects is small: the store always reads the caller's own " +
        "organization, so a forged cursor could only point into a list its holder may already read. Rotate it " +
        "by hand (a new random value, then a deploy) if it may have leaked.",
    });
    return secret;
  }

  /**
   * Who may call `POST /v1/verify`, the only IAM-authorized route (HTTP APIs have no resource policy): a
   * managed policy for principals of this account, and a role for the accounts named in context. Both allow
   * `execute-api:Invoke` on exactly the IAM-authorized routes, on this API's stage.
   */
  private createVerifyCallerAccess(accounts: readonly string[]): { policy: ManagedPolicy; role?: Role } {
    const stackName = Stack.of(this).stackName;
    const iamRoutes = this.props.routes.filter((route) => route.auth === "iam");
    const invoke = new PolicyStatement({
      actions: ["execute-api:Invoke"],
      resources: iamRoutes.map((route) => this.api.arnForExecuteApi(route.method, route.path, this.stage.stageName)),
    });
    const policy = new ManagedPolicy(this, "VerifyCallerPolicy", {
      description: `Call ${iamRoutes.map((r) => `${r.method} ${r.path}`).join(", ")} of ${stackName}, and nothing else`,
      statements: [invoke],
    });
    if (accounts.length === 0) return { policy };
    const role = new Role(this, "VerifyCallerRole", {
      description: `Assumed by the accounts that verify API tokens with ${stackName}`,
      assumedBy: new CompositePrincipal(...accounts.map((account) => new AccountPrincipal(account))),
      managedPolicies: [policy],
      maxSessionDuration: Duration.hours(1),
    });
    return { policy, role };
  }
}

function corsOptions(allowOrigins: readonly string[]): CorsPreflightOptions {
  return {
    allowOrigins: [...allowOrigins],
    allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
    // Bearer sessions, not cookies: no credentials mode.
    allowHeaders: ["authorization", "content-type"],
    maxAge: Duration.hours(1),
  };
}
