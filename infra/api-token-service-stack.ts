import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  PayloadFormatVersion,
  type IHttpRouteAuthorizer,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import { EventBus, Rule, type EventPattern as CdkEventPattern } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { tableDefinitions } from "../functions/adapters/dynamodb/table-definition.ts";
import { OperationFunction } from "./constructs/operation-function.ts";
import { createServiceTable } from "./constructs/service-table.ts";
import { eventRules, type EventPattern } from "./event-rules.ts";
import { routes, type RouteAuth } from "./routes.ts";

export interface ApiTokenServiceStackProps extends StackProps {
  /** The bus the platform's lifecycle events arrive on. Context key `eventBusName`; default "default". */
  readonly eventBusName?: string;
  /**
   * An existing OIDC issuer for session JWTs, instead of the Cognito user pool the stack makes.
   * Give it together with `jwtAudience`. Context keys `jwtIssuer`, `jwtAudience`.
   */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string | readonly string[];
}

/** The one operation that re-checks the caller's password, through the identity provider. */
const PASSWORD_CHECK_OPERATION = "generate-user-token";

/** EventBridge retries a failed delivery with back-off; after this the event goes to the rule's DLQ. */
const EVENT_DELIVERY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;

export class ApiTokenServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: ApiTokenServiceStackProps = {}) {
    super(scope, id, props);

    const eventBusName = props.eventBusName ?? this.contextString("eventBusName") ?? "default";
    const jwtIssuer = props.jwtIssuer ?? this.contextString("jwtIssuer");
    const jwtAudience = toList(props.jwtAudience ?? this.node.tryGetContext("jwtAudience"));
    if ((jwtIssuer === undefined) !== (jwtAudience.length === 0)) {
      throw new Error("jwtIssuer and jwtAudience go together: give both (an existing OIDC issuer) or neither (Cognito).");
    }

    const table = createServiceTable(this, "Table", tableDefinitions.tokens);
    // Its own table, so roles can append to and read the log without being able to edit or delete a record.
    const activityTable = createServiceTable(this, "ActivityTable", tableDefinitions.activity);

    // Cognito is the default identity provider; an existing issuer replaces it entirely.
    const cognito = jwtIssuer === undefined ? this.createUserPool() : undefined;
    const sessionAuthorizer = new HttpJwtAuthorizer(
      "SessionAuthorizer",
      // Must equal the ID tokens' `iss` exactly; built the way CDK's own HttpUserPoolAuthorizer builds it.
      cognito ? `https://cognito-idp.${this.region}.amazonaws.com/${cognito.userPool.userPoolId}` : jwtIssuer!,
      { jwtAudience: cognito ? [cognito.client.userPoolClientId] : jwtAudience },
    );
    const authorizers: Record<RouteAuth, IHttpRouteAuthorizer> = {
      session: sessionAuthorizer,
      iam: new HttpIamAuthorizer(),
      // Explicit, so a default authorizer added to the API later never lands on the token-authenticated routes.
      none: new HttpNoneAuthorizer(),
    };

    const api = new HttpApi(this, "HttpApi", { description: "API token service" });

    for (const route of routes) {
      const environment: Record<string, string> = {};
      if (route.operation === PASSWORD_CHECK_OPERATION && cognito) {
        environment.PASSWORD_CHECK = "cognito";
        environment.COGNITO_USER_POOL_ID = cognito.userPool.userPoolId;
        environment.COGNITO_CLIENT_ID = cognito.client.userPoolClientId;
      }
      const { function: fn } = new OperationFunction(this, pascalCase(route.operation), {
        operation: route.operation,
        handlerModule: route.handlerModule,
        table,
        tableAccess: route.tableAccess,
        activityTable,
        activityAccess: route.activityAccess,
        environment,
      });
      if (route.operation === PASSWORD_CHECK_OPERATION && cognito) {
        // ListUsers finds the username by the session's `sub`; AdminInitiateAuth checks the password.
        cognito.userPool.grant(fn, "cognito-idp:ListUsers", "cognito-idp:AdminInitiateAuth");
      }
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.operation)}Integration`, fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
        authorizer: authorizers[route.auth],
      });
    }

    const eventBus = EventBus.fromEventBusName(this, "EventBus", eventBusName);
    for (const eventRule of eventRules) {
      const id = pascalCase(eventRule.operation);
      // One queue per handler holds both EventBridge's undeliverable events and the function's failed
      // asynchronous invocations: both keep the original event as the message body, ready to redrive.
      const deadLetterQueue = new Queue(this, `${id}DeadLetterQueue`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const { function: fn } = new OperationFunction(this, id, {
        operation: eventRule.operation,
        handlerModule: eventRule.handlerModule,
        table,
        tableAccess: eventRule.tableAccess,
        activityTable,
        activityAccess: eventRule.activityAccess,
        onFailure: deadLetterQueue,
      });
      new Rule(this, `${id}Rule`, {
        eventBus,
        description: eventRule.description,
        eventPattern: toCdkEventPattern(eventRule.pattern),
        targets: [new LambdaFunction(fn, { deadLetterQueue, ...EVENT_DELIVERY })],
      });
    }

    new CfnOutput(this, "ApiUrl", { value: api.apiEndpoint });
    new CfnOutput(this, "TableName", { value: table.tableName });
    new CfnOutput(this, "ActivityTableName", { value: activityTable.tableName });
    if (cognito) {
      new CfnOutput(this, "UserPoolId", { value: cognito.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", { value: cognito.client.userPoolClientId });
    }
  }

  private createUserPool() {
    const userPool = new UserPool(this, "UserPool", {
      // People come from the platform; nobody signs themself up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      deletionProtection: true,
    });
    const client = userPool.addClient("AppClient", {
      // ADMIN_USER_PASSWORD_AUTH is how generate-user-token re-checks a password; no secret, so no SECRET_HASH.
      authFlows: { adminUserPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
    });
    return { userPool, client };
  }

  private contextString(key: string): string | undefined {
    const value: unknown = this.node.tryGetContext(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  }
}

function toList(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.map(String);
  return [];
}

/** The shared patterns use EventBridge's own keys (`detail-type`); CDK wants them camelCased and renders them back. */
function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), value]),
  ) as CdkEventPattern;
}

const pascalCase = (name: string): string =>
  name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
