/**
 * The web page in AWS: a private bucket reached only through CloudFront (origin access control), the page's
 * security headers, `/v1/*` forwarded to the API uncached, deep links through the viewer-request function,
 * the page's config.json, and the app client's browser sign-in. Also the deep-link function's own code, run
 * with fake CloudFront events.
 */
import { runInNewContext } from "node:vm";
import { describe, expect, test } from "vitest";
import { DEEP_LINK_FUNCTION_CODE } from "../../infra/constructs/deep-link-function.ts";
import { wildcardFindings } from "../../infra/constructs/deployment-handler-findings.ts";
import { PAGE_PATHS } from "../../web/site-config.ts";
import { synthesize, synthesizeShared } from "./synth.ts";
import { refersTo, useDefaultApp, type Resource } from "./template.ts";

const app = useDefaultApp();
const only = (type: string): [string, Resource] => {
  const found = app.ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const distribution = () => only("AWS::CloudFront::Distribution");
const config = () => distribution()[1].Properties.DistributionConfig;
/** The logical id the distribution's origin with this domain points at. */
const originOf = (behavior: { TargetOriginId: string }) => config().Origins.find((o: any) => o.Id === behavior.TargetOriginId);
const MANAGED = {
  cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
  cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
};

describe("the site bucket", () => {
  test("is private: all public access blocked, SSL enforced, encrypted, no website hosting", () => {
    const [siteId] = siteBucket();
    const bucket = app.resources[siteId]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      "AES256",
    );
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    // Kept like the stack's other stateful resources, but not on a failed first deploy.
    expect(bucket.DeletionPolicy).toBe("RetainExceptOnCreate");
  });

  test("its policy lets only this distribution read objects (CloudFront's service principal, on its ARN), and denies plain HTTP", () => {
    const [siteId] = siteBucket();
    const [, policy] = app.ofType("AWS::S3::BucketPolicy").find(([, p]) => p.Properties.Bucket.Ref === siteId)!;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const allows = statements.filter((s) => s.Effect === "Allow");
    expect(allows).toHaveLength(1);
    const [read] = allows;
    expect(read.Action).toBe("s3:GetObject");
    expect(read.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect(refersTo(read.Condition.StringEquals["AWS:SourceArn"], distribution()[0])).toBe(true);
    expect(refersTo(read.Resource, siteId)).toBe(true);
    expect(statements.find((s) => s.Effect === "Deny")?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
  });

  test("the distribution reaches it through an origin access control (signed requests), not a public website endpoint", () => {
    const [oacId, oac] = only("AWS::CloudFront::OriginAccessControl");
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: "s3", SigningBehavior: "always" });
    const [siteId] = siteBucket();
    const s3Origin = config().Origins.find((o: any) => refersTo(o.DomainName, siteId));
    expect(s3Origin.OriginAccessControlId).toEqual({ "Fn::GetAtt": [oacId, "Id"] });
    expect(s3Origin.DomainName).toEqual({ "Fn::GetAtt": [siteId, "RegionalDomainName"] });
  });

  test("the distribution and the bucket log their access to the log bucket", () => {
    const [siteId, site] = siteBucket();
    const logsId = site.Properties.LoggingConfiguration.DestinationBucketName.Ref;
    expect(logsId).not.toBe(siteId);
    expect(config().Logging.Bucket).toEqual({ "Fn::GetAtt": [logsId, "RegionalDomainName"] });
    expect(app.resources[logsId]!.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
  });
});

describe("the distribution", () => {
  test("HTTPS (redirected from HTTP), HTTP/2 and 3, index.html at /, and no custom error responses (they would rewrite the API's errors)", () => {
    expect(config()).toMatchObject({ HttpVersion: "http2and3", DefaultRootObject: "index.html", Enabled: true });
    expect(config().DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(config().CustomErrorResponses).toBeUndefined();
  });

  test("the page's behaviour: cached by the objects' Cache-Control, the deep-link function on viewer requests", () => {
    const page = config().DefaultCacheBehavior;
    expect(page.CachePolicyId).toBe(MANAGED.cachingOptimized);
    const [functionId, fn] = only("AWS::CloudFront::Function");
    expect(page.FunctionAssociations).toEqual([
      { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [functionId, "FunctionARN"] } },
    ]);
    expect(fn.Properties.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
    expect(fn.Properties.FunctionCode).toBe(DEEP_LINK_FUNCTION_CODE);
  });

  test.each(["/v1/*", "/openapi.json"])(
    "%s goes to the HTTP API: HTTPS, all methods, nothing cached, every header but Host, no function",
    (pattern) => {
      const behavior = config().CacheBehaviors.find((b: any) => b.PathPattern === pattern);
      expect(behavior).toMatchObject({
        AllowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
        CachePolicyId: MANAGED.cachingDisabled,
        OriginRequestPolicyId: MANAGED.allViewerExceptHostHeader,
        ViewerProtocolPolicy: "https-only",
      });
      expect(behavior.FunctionAssociations).toBeUndefined();
      expect(behavior.ResponseHeadersPolicyId).toBeUndefined();
      const [apiId] = only("AWS::ApiGatewayV2::Api");
      const origin = originOf(behavior);
      expect(refersTo(origin.DomainName, apiId)).toBe(true);
      expect(JSON.stringify(origin.DomainName)).toContain(".execute-api.");
      expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: "https-only", OriginSSLProtocols: ["TLSv1.2"] });
    },
  );

  test("the SiteUrl output is the distribution's https:// address", () => {
    expect(app.outputs.SiteUrl!.Value).toEqual({ "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution()[0], "DomainName"] }]] });
  });
});

describe("the page's response headers", () => {
  const headers = () => {
    const [policyId, policy] = only("AWS::CloudFront::ResponseHeadersPolicy");
    expect(config().DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    return policy.Properties.ResponseHeadersPolicyConfig;
  };
  /** The CSP with the deploy-time parts (the Cognito domain) written as <Ref>. */
  const csp = () => {
    const value = headers().SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    return typeof value === "string"
      ? value
      : value["Fn::Join"][1].map((part: any) => (typeof part === "string" ? part : `<${part.Ref}>`)).join("");
  };

  test("a strict Content-Security-Policy: scripts from the site only, no inline code, never framed", () => {
    const directives = Object.fromEntries(
      csp()
        .split(";")
        .map((d: string) => d.trim().split(/\s+/))
        .map(([name, ...values]: string[]) => [name, values]),
    );
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["default-src"]).toEqual(["'none'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp()).not.toContain("unsafe-inline");
    expect(csp()).not.toContain("unsafe-eval");
    expect(headers().SecurityHeadersConfig.ContentSecurityPolicy.Override).toBe(true);
  });

  test("the page may talk to the pool's managed login domain and Cognito's endpoint, nothing else", () => {
    const [domainId] = only("AWS::Cognito::UserPoolDomain");
    const connect = csp()
      .split(";")
      .find((d: string) => d.trim().startsWith("connect-src"))!;
    expect(connect.trim().split(/\s+/)).toEqual([
      "connect-src",
      "'self'",
      `https://<${domainId}>.auth.eu-west-1.amazoncognito.com`,
      "https://cognito-idp.eu-west-1.amazonaws.com",
    ]);
  });

  test("HSTS, nosniff, frame DENY, no referrer, and the other headers as custom headers", () => {
    const security = headers().SecurityHeadersConfig;
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: 63072000,
      IncludeSubdomains: true,
      Preload: false,
      Override: true,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: "DENY", Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: "no-referrer", Override: true });
    const custom = Object.fromEntries(headers().CustomHeadersConfig.Items.map((h: any) => [h.Header, h.Value]));
    expect(custom["cross-origin-opener-policy"]).toBe("same-origin");
    expect(custom["permissions-policy"]).toContain("camera=()");
  });
});

describe("the deployed page", () => {
  const deployments = () => app.ofType("Custom::CDKBucketDeployment");

  test("config.json is written at deploy with the pool's public ids (no secret) and served no-cache, with index.html", () => {
    const root = deployments().find(([, d]) => d.Properties.SourceMarkers?.some((m: any) => Object.keys(m).length > 0));
    expect(root).toBeDefined();
    const [, page] = root!;
    expect(page.Properties.SystemMetadata).toEqual({ "cache-control": "no-cache" });
    expect(page.Properties.DestinationBucketKeyPrefix).toBeUndefined();
    expect(page.Properties.Prune).toBe(false);
    const markers = JSON.stringify(page.Properties.SourceMarkers);
    const [poolId] = only("AWS::Cognito::UserPool");
    const [clientId] = only("AWS::Cognito::UserPoolClient");
    const [domainId] = only("AWS::Cognito::UserPoolDomain");
    for (const id of [poolId, clientId, domainId]) expect(markers).toContain(`"Ref":"${id}"`);
    expect(markers).not.toMatch(/Secret|CursorKey/i);
  });

  test("the hashed assets go to assets/ with a year's immutable caching, never pruned, before index.html changes", () => {
    const [assetsId, assets] = deployments().find(([, d]) => d.Properties.DestinationBucketKeyPrefix === "assets/")!;
    expect(assets.Properties.SystemMetadata).toEqual({ "cache-control": "public, max-age=31536000, immutable" });
    expect(assets.Properties.Prune).toBe(false);
    const [, root] = deployments().find(([id]) => id !== assetsId)!;
    expect(root.DependsOn ?? []).toContain(assetsId);
  });
});

describe("sign-in from the page (the built-in pool)", () => {
  test("the app client has only the authorization code flow, no secret, and the page's callback and sign-out URLs", () => {
    const [, client] = only("AWS::Cognito::UserPoolClient");
    const site = (suffix: string) => ({ "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution()[0], "DomainName"] }, suffix]] });
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ["code"],
      AllowedOAuthScopes: ["openid", "email", "profile"],
      GenerateSecret: false,
      CallbackURLs: [site("/auth/callback"), site("/")],
      LogoutURLs: [site("/")],
    });
  });

  test("the pool has a managed-login domain (unique by the stack's id without authDomainPrefix) with Cognito's style", () => {
    const [, domain] = only("AWS::Cognito::UserPoolDomain");
    expect(domain.Properties.ManagedLoginVersion).toBe(2);
    expect(JSON.stringify(domain.Properties.Domain)).toContain("AWS::StackId");
    const [, branding] = only("AWS::Cognito::ManagedLoginBranding");
    expect(branding.Properties.UseCognitoProvidedValues).toBe(true);
  });
});

describe("the deep-link function", () => {
  const handler = runInNewContext(`${DEEP_LINK_FUNCTION_CODE}; handler`) as (event: unknown) => { uri: string; querystring: unknown };
  const viewerRequest = (uri: string) =>
    handler({
      version: "1.0",
      context: { eventType: "viewer-request" },
      request: { method: "GET", uri, querystring: { code: { value: "abc" } }, headers: {} },
    });

  test.each([...PAGE_PATHS, "/profile/settings/api-tokens/", "/some/new/page"])("%s → /index.html", (uri) => {
    expect(viewerRequest(uri).uri).toBe("/index.html");
  });

  test.each(["/index.html", "/config.json", "/assets/app-WD56SLHK.js", "/assets/app-X.css", "/favicon.ico", "/.well-known/security.txt"])(
    "%s stays a file",
    (uri) => {
      expect(viewerRequest(uri).uri).toBe(uri);
    },
  );

  test("the query string (the authorization code) is left as it is", () => {
    expect(viewerRequest("/auth/callback").querystring).toEqual({ code: { value: "abc" } });
  });
});

describe("other apps", () => {
  test("a stage's domain prefix is authDomainPrefix-<stage>; a prefix Cognito refuses fails synthesis", () => {
    const blue = synthesizeShared({ stage: "blue", authDomainPrefix: "acme-api-tokens" });
    expect(blue.violations).toEqual([]);
    const [domain] = Object.values(blue.template.toJSON().Resources as Record<string, Resource>).filter(
      (r) => r.Type === "AWS::Cognito::UserPoolDomain",
    );
    expect(domain!.Properties.Domain).toBe("acme-api-tokens-blue");
    expect(() => synthesize({ authDomainPrefix: "my-cognito-login" })).toThrow(/must not contain "cognito"/);
  }, 180_000);

  test("webSite=false: no bucket, distribution or domain, no OAuth on the client, and still clean under both nag packs", () => {
    const off = synthesizeShared({ webSite: "false" });
    expect(off.violations).toEqual([]);
    const types = Object.values(off.template.toJSON().Resources as Record<string, Resource>).map((r) => r.Type);
    for (const type of [
      "AWS::S3::Bucket",
      "AWS::CloudFront::Distribution",
      "AWS::Cognito::UserPoolDomain",
      "Custom::CDKBucketDeployment",
    ]) {
      expect(types).not.toContain(type);
    }
    expect(off.template.toJSON().Outputs.SiteUrl).toBeUndefined();
  }, 180_000);
});

describe("cdk-nag findings of CDK's BucketDeployment handler", () => {
  test("are named as cdk-nag names them, each wildcard on its own", () => {
    const document = {
      Statement: [
        {
          Action: ["s3:GetObject*", "s3:PutObject"],
          Resource: [{ "Fn::Join": ["", [{ "Fn::GetAtt": ["Bucket1", "Arn"] }, "/*"]] }, { "Fn::GetAtt": ["Bucket1", "Arn"] }],
        },
        {
          Action: "s3:List*",
          Resource: { "Fn::Join": ["", ["arn:aws:s3:::", { "Fn::Sub": "cdk-assets-$" + "{AWS::AccountId}-eu-west-1" }, "/*"]] },
        },
      ],
    };
    expect(wildcardFindings(document)).toEqual([
      "Action::s3:GetObject*",
      "Resource::<Bucket1.Arn>/*",
      "Action::s3:List*",
      "Resource::arn:aws:s3:::cdk-assets-<AWS::AccountId>-eu-west-1/*",
    ]);
  });
});

function siteBucket(): [string, Resource] {
  const [, policy] = app
    .ofType("AWS::S3::BucketPolicy")
    .find(([, p]) => p.Properties.PolicyDocument.Statement.some((s: any) => s.Principal?.Service === "cloudfront.amazonaws.com"))!;
  const id = policy.Properties.Bucket.Ref as string;
  return [id, app.resources[id]!];
}
