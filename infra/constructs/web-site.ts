import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CfnOutput, Duration, RemovalPolicy, Stack, Stage, Validations } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  type ResponseCustomHeader,
  type ResponseHeadersPolicyProps,
  type ResponseSecurityHeadersBehavior,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin, S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { buildWebPage } from "../../web/build.ts";
import { contentSecurityPolicy, SECURITY_HEADERS, SITE_CONFIG_PATH, type SiteConfig } from "../../web/site-config.ts";
import { acknowledgeDeploymentHandler } from "./deployment-handler-findings.ts";
import { DEEP_LINK_FUNCTION_CODE } from "./deep-link-function.ts";
import type { SignInEndpoints } from "./sessions.ts";

/** The paths CloudFront sends to the HTTP API instead of the bucket. */
export const API_PATH_PATTERNS = ["/v1/*", "/openapi.json"] as const;

export interface WebSiteProps {
  /** The HTTP API, reached at `/v1/*` on the page's own origin (so the page needs no CORS). */
  readonly api: HttpApi;
  /** Where the page signs in: the values of its `config.json` and its Content-Security-Policy. */
  readonly signIn: SignInEndpoints;
}

/**
 * The API tokens web page: a private S3 bucket (reachable only through CloudFront, with origin access
 * control) with the page built at synthesis, one CloudFront distribution serving it (HTTPS, HTTP/2 and 3, a
 * strict Content-Security-Policy and the other security headers, deep links rewritten to `index.html`) and
 * forwarding `/v1/*` to the HTTP API uncached, and the page's `config.json` written at deploy time.
 *
 * Both buckets are kept on stack deletion like every stateful resource of the stack (RetainExceptOnCreate,
 * through the stack's aspect): the log bucket holds the access logs, and a deploy re-creates the page in a new
 * bucket anyway, so a kept site bucket costs nothing but a few hundred KB; emptying it on deletion would need
 * one more deploy-time Lambda (autoDeleteObjects) for no gain.
 */
export class WebSite extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>`, without a trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebSiteProps) {
    super(scope, id);
    this.logBucket = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront's standard logs arrive through an ACL grant (its log-delivery account needs ACLs enabled).
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // As long as the API's access logs are kept.
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the access-log bucket of the site bucket and the distribution; logging its own access would log into itself.",
    });
    this.bucket = new Bucket(this, "Bucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/",
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const deepLinks = new CloudFrontFunction(this, "DeepLinks", {
      comment: "Deep links of the API tokens page get /index.html",
      code: FunctionCode.fromInline(DEEP_LINK_FUNCTION_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    // Nothing of the API is cached, and every viewer header but Host (API Gateway routes by its own host name)
    // reaches it: the Authorization header above all. The page's deep-link function is not here.
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, "Distribution", {
      comment: `${Stack.of(this).stackName}: the API tokens page, and /v1/* to the API`,
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cloudfront/",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Honours the objects' Cache-Control: a year for hashed assets, revalidation for index.html and config.json.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: new ResponseHeadersPolicy(this, "Headers", pageHeaders(props.signIn.origins)),
        functionAssociations: [{ function: deepLinks, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehavior])),
      // No custom error responses: a distribution-wide 403/404 → index.html would also rewrite the API's JSON errors.
    });
    acknowledgeDistribution(this.distribution);
    this.url = `https://${this.distribution.distributionDomainName}`;

    this.deployPage(props.signIn);
    new CfnOutput(Stack.of(this), "SiteUrl", { description: "The API tokens web page", value: this.url });
  }

  /**
   * The built page and its `config.json`. Two deployments with disjoint keys, so neither's prune can touch the
   * other's files: `assets/` (hashed names, cached for a year; never pruned, so a page opened before a deploy
   * still finds its script) and then the root files (`index.html`, `config.json`: revalidated on every load),
   * written only once the assets they name are there.
   */
  private deployPage(signIn: SignInEndpoints): void {
    const folder = pageFolder(this);
    const assets = new BucketDeployment(this, "DeployAssets", {
      destinationBucket: this.bucket,
      destinationKeyPrefix: "assets/",
      sources: [Source.asset(path.join(folder, "assets"))],
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
      memoryLimit: 256,
    });
    const config: SiteConfig = {
      issuer: signIn.issuer,
      clientId: signIn.clientId,
      authorizationEndpoint: signIn.authorizationEndpoint,
      tokenEndpoint: signIn.tokenEndpoint,
      signOut: signIn.signOut,
      // `/v1/*` is on the page's own origin (the distribution's API behaviour).
      apiBase: "",
    };
    const root = new BucketDeployment(this, "DeployPage", {
      destinationBucket: this.bucket,
      sources: [Source.asset(folder, { exclude: ["assets", "assets/**"] }), Source.jsonData(SITE_CONFIG_PATH.slice(1), config)],
      // Pruning here would delete assets/ (the other deployment's files).
      prune: false,
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 256,
    });
    root.node.addDependency(assets);
    acknowledgeDeploymentHandler(this);
  }
}

/**
 * The page's response headers: the Content-Security-Policy and SECURITY_HEADERS (the local server sends the
 * same), each where CloudFront has a field for it, the others as custom headers. Every header overrides what
 * the origin sends.
 */
export function pageHeaders(identityProviderOrigins: readonly string[]): ResponseHeadersPolicyProps {
  const securityHeadersBehavior: { -readonly [K in keyof ResponseSecurityHeadersBehavior]: ResponseSecurityHeadersBehavior[K] } = {
    contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy({ identityProviderOrigins }), override: true },
  };
  const customHeaders: ResponseCustomHeader[] = [];
  for (const [header, value] of Object.entries(SECURITY_HEADERS) as [string, string][]) {
    switch (header) {
      case "strict-transport-security": {
        const maxAge = /max-age=(\d+)/.exec(value)?.[1];
        if (maxAge === undefined) throw new Error(`SECURITY_HEADERS: no max-age in ${header}: ${value}`);
        securityHeadersBehavior.strictTransportSecurity = {
          accessControlMaxAge: Duration.seconds(Number(maxAge)),
          includeSubdomains: /includeSubDomains/i.test(value),
          preload: /preload/i.test(value),
          override: true,
        };
        break;
      }
      case "x-content-type-options":
        if (value !== "nosniff") throw new Error(`SECURITY_HEADERS: CloudFront sets ${header} to nosniff only, not ${value}`);
        securityHeadersBehavior.contentTypeOptions = { override: true };
        break;
      case "x-frame-options":
        securityHeadersBehavior.frameOptions = { frameOption: enumValue(HeadersFrameOption, value, header), override: true };
        break;
      case "referrer-policy":
        securityHeadersBehavior.referrerPolicy = { referrerPolicy: enumValue(HeadersReferrerPolicy, value, header), override: true };
        break;
      default:
        customHeaders.push({ header, value, override: true });
    }
  }
  return {
    comment: "The API tokens page: strict CSP and security headers",
    securityHeadersBehavior,
    customHeadersBehavior: { customHeaders },
  };
}

function enumValue<T extends string>(values: Record<string, T>, value: string, header: string): T {
  const found = Object.values(values).find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw new Error(`SECURITY_HEADERS: CloudFront has no ${header} value ${value}`);
  return found;
}

/**
 * The folder BucketDeployment uploads: the page built now (synthesis), into the cloud assembly's folder. When
 * the stack's assets are not built (`aws:cdk:bundling-stacks`, as in the CDK tests, or a `cdk deploy` of another
 * stack), a placeholder, as NodejsFunction does for its bundles.
 */
function pageFolder(scope: Construct): string {
  const stack = Stack.of(scope);
  if (!stack.bundlingRequired) {
    const placeholder = mkdtempSync(path.join(tmpdir(), "web-page-placeholder-"));
    mkdirSync(path.join(placeholder, "assets"));
    writeFileSync(path.join(placeholder, "index.html"), "<!doctype html><title>not built</title>\n");
    writeFileSync(path.join(placeholder, "assets", "placeholder.txt"), "not built\n");
    return placeholder;
  }
  const outDir = path.join(Stage.of(scope)?.outdir ?? tmpdir(), `web-page-${stack.stackName}`);
  buildWebPage({ outDir, minify: true });
  return outDir;
}

/** cdk-nag findings on the distribution, acknowledged on it alone. */
function acknowledgeDistribution(distribution: Distribution): void {
  const reasons: Record<string, string> = {
    "AwsSolutions-CFR1":
      "No geo restriction: the page is for the platform's customers wherever they are; who may use it is decided by sign-in, and the API behind it checks every session.",
    "AwsSolutions-CFR2":
      "No AWS WAF web ACL by default: a web ACL costs a monthly fee plus per-request charges and its rules are the platform owner's choice (attach one to the distribution if wanted). The API throttles per route and every data route needs a session or an API token.",
    "AwsSolutions-CFR4":
      "The distribution uses the default *.cloudfront.net certificate, with which CloudFront cannot enforce a minimum viewer TLS version (the policy applies only to a custom certificate). The origins are reached over TLS 1.2 only, and browsers negotiate TLS 1.2/1.3.",
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(distribution).acknowledge({ id, reason });
}
