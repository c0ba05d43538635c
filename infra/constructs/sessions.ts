import { Aws, CfnOutput, Duration, Fn, Stack, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import {
  CfnManagedLoginBranding,
  ClientAttributes,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from "aws-cdk-lib/aws-cognito";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { SessionIssuer } from "../stack-options.ts";
import { StackPart } from "./stack-part.ts";

export interface SessionsProps {
  readonly issuer: SessionIssuer;
  /** The session claim that holds the platform user id; with the built-in pool a `custom:` one becomes its attribute. */
  readonly userIdClaim: string;
  readonly deletionProtection: boolean;
  /**
   * The web page, when the stack deploys it: its `https://` URL (a token: the distribution is made after the
   * API, which needs this part first). The built-in pool then gets a Cognito domain with managed login, and
   * the app client the page's callback and sign-out URLs.
   */
  readonly site?: { readonly url: string };
}

/** Where the web page signs in: what its `config.json` says about the identity provider. */
export interface SignInEndpoints {
  readonly issuer: string;
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly signOut: { readonly url: string; readonly style: "oidc" | "cognito" };
  /** Origins the page talks to or navigates to for sign-in (its Content-Security-Policy allows them). */
  readonly origins: readonly string[];
}

/**
 * People's sessions: the Cognito user pool the stack makes by default (with its app client and, when asked, a
 * Cognito domain for a browser sign-in), or an existing OIDC issuer instead; the JWT authorizer the session
 * routes use; and the password re-check that generate-user-token makes through the pool.
 */
export class Sessions extends StackPart {
  readonly authorizer: HttpJwtAuthorizer;
  /** The built-in pool; none with an external issuer. */
  readonly cognito?: { readonly userPool: UserPool; readonly client: UserPoolClient; readonly domain?: UserPoolDomain };
  /** Where a browser signs in; none with the built-in pool without a domain, or an external issuer without the page's endpoints. */
  readonly signIn?: SignInEndpoints;

  constructor(scope: Construct, id: string, props: SessionsProps) {
    super(scope, id);
    const { issuer } = props;
    // Cognito is the default identity provider; an existing issuer replaces it entirely.
    let jwt: { issuer: string; audience: string[] };
    if (issuer.kind === "cognito") {
      const cognito = this.createUserPool(issuer, props);
      this.cognito = cognito;
      // Must equal the ID tokens' `iss` exactly; built the way CDK's own HttpUserPoolAuthorizer builds it.
      jwt = {
        issuer: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${cognito.userPool.userPoolId}`,
        audience: [cognito.client.userPoolClientId],
      };
      if (cognito.domain) {
        const base = cognito.domain.baseUrl();
        this.signIn = {
          issuer: jwt.issuer,
          clientId: cognito.client.userPoolClientId,
          authorizationEndpoint: `${base}/oauth2/authorize`,
          tokenEndpoint: `${base}/oauth2/token`,
          signOut: { url: `${base}/logout`, style: "cognito" },
          origins: [base, `https://cognito-idp.${Stack.of(this).region}.amazonaws.com`],
        };
      }
    } else {
      jwt = { issuer: issuer.issuer, audience: [...issuer.audience] };
      const page = issuer.webPage;
      if (page) {
        const urls = [issuer.issuer, page.authorizationEndpoint, page.tokenEndpoint, page.endSessionEndpoint];
        this.signIn = {
          issuer: issuer.issuer,
          clientId: page.clientId,
          authorizationEndpoint: page.authorizationEndpoint,
          tokenEndpoint: page.tokenEndpoint,
          signOut: { url: page.endSessionEndpoint, style: "oidc" },
          origins: [...new Set(urls.map((url) => new URL(url).origin))],
        };
      }
    }
    this.authorizer = new HttpJwtAuthorizer("SessionAuthorizer", jwt.issuer, { jwtAudience: jwt.audience });
    if (this.cognito) {
      new CfnOutput(this, "UserPoolId", { value: this.cognito.userPool.userPoolId });
      new CfnOutput(this, "UserPoolClientId", { value: this.cognito.client.userPoolClientId });
      if (this.cognito.domain) new CfnOutput(this, "UserPoolDomain", { value: this.cognito.domain.baseUrl() });
    }
    new CfnOutput(this, "UserIdClaim", { description: "The session claim that holds the platform user id", value: props.userIdClaim });
  }

  /**
   * How the password-checking function re-checks a password: through the pool's AdminInitiateAuth. An
   * external OIDC issuer's passwords cannot be re-checked here: only SSO-enforced organizations can have user
   * tokens there (the function says so instead of failing at cold start).
   */
  passwordCheckEnvironment(): Record<string, string> {
    if (!this.cognito) return { PASSWORD_CHECK: "none" };
    return {
      PASSWORD_CHECK: "cognito",
      COGNITO_USER_POOL_ID: this.cognito.userPool.userPoolId,
      COGNITO_CLIENT_ID: this.cognito.client.userPoolClientId,
    };
  }

  /** The pool user comes from the session itself (`cognito:username`); AdminInitiateAuth checks the password. */
  grantPasswordCheck(grantee: IGrantable): void {
    this.cognito?.userPool.grant(grantee, "cognito-idp:AdminInitiateAuth");
  }

  private createUserPool(issuer: Extract<SessionIssuer, { kind: "cognito" }>, props: SessionsProps) {
    const platformIdAttribute = props.userIdClaim.startsWith("custom:") ? props.userIdClaim.slice("custom:".length) : undefined;
    const userPool = new UserPool(this, "UserPool", {
      // People come from the platform; nobody signs themself up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      deletionProtection: props.deletionProtection,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Offered, not forced: the password re-check treats an MFA challenge as a correct password.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // The platform's user id, set by an administrator when the person is created in the pool (the events
      // name people by it). Immutable: nobody, the person included, can change whose tokens they get.
      ...(platformIdAttribute
        ? { customAttributes: { [platformIdAttribute]: new StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) } }
        : {}),
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG8",
      reason:
        "The Plus feature plan (threat protection) is a per-active-user cost for the platform owner to choose; this " +
        "pool is the stand-alone default (production deployments usually give jwtIssuer/jwtAudience of the platform's " +
        "own identity provider), and password guessing through the re-check is throttled by the service and by " +
        "Cognito's own lockout.",
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG2",
      reason:
        "MFA is offered (TOTP) but not required: requiring it is the platform's sign-in policy (every client must " +
        "then handle MFA enrolment), and Cognito accepts 'required' only when a pool is created. API tokens are " +
        "minted only with a session plus a password re-check.",
    });
    // The page's own return URLs first, then any from context (another client of the same pool).
    const site = props.site;
    const callbackUrls = [...(site ? [`${site.url}/auth/callback`, `${site.url}/`] : []), ...issuer.callbackUrls];
    const logoutUrls = [...(site ? [`${site.url}/`] : []), ...issuer.logoutUrls];
    const client = userPool.addClient("AppClient", {
      // ADMIN_USER_PASSWORD_AUTH is how generate-user-token re-checks a password (and how the README's CLI
      // gets an ID token); SRP for SDK sign-in. No secret (a public client), so no SECRET_HASH.
      authFlows: { adminUserPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      // A person may change their name, never the attributes that say who they are to the platform.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
      // A browser sign-in only where its return URLs are known: the authorization code flow (the page uses
      // PKCE, as a public client must), never the implicit flow that puts tokens in URLs.
      ...(callbackUrls.length > 0
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls: [...callbackUrls],
              logoutUrls: [...logoutUrls],
            },
          }
        : { disableOAuth: true }),
    });
    const domain = issuer.domainPrefix === undefined && !site ? undefined : this.createDomain(userPool, client, issuer.domainPrefix);
    return { userPool, client, domain };
  }

  /**
   * The pool's Cognito domain with managed login (the newer sign-in pages, Cognito's own look): the prefix
   * from context (per stage, see stack-options), or else one made from the stack's id, unique across AWS by
   * construction and stable for the stack's life (a prefix taken by anyone anywhere fails the deploy).
   */
  private createDomain(userPool: UserPool, client: UserPoolClient, prefix: string | undefined): UserPoolDomain {
    const domainPrefix = prefix ?? Fn.join("-", ["api-tokens", Fn.select(2, Fn.split("/", Aws.STACK_ID))]);
    const domain = userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login shows a client's pages only once the client has a style: Cognito's default one.
    new CfnManagedLoginBranding(userPool, "ManagedLoginBranding", {
      userPoolId: userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    return domain;
  }
}
