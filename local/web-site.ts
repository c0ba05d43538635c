/**
 * The web page, served by the local server beside the API as CloudFront serves it in AWS: every page path
 * (deep links included) gets `index.html`, the hashed assets are cached for good, `/config.json` tells the
 * page where to sign in, and every answer carries the same security headers (Content-Security-Policy first).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { contentSecurityPolicy, PAGE_PATHS, SECURITY_HEADERS, SITE_CONFIG_PATH, type SiteConfig } from "../web/site-config.ts";
import { SIGNING_ALGORITHM } from "./identity-provider.ts";
import type { OidcReply } from "./oidc.ts";

export interface WebSiteOptions {
  /** The built page (web/build.ts). */
  dir: string;
  /** The page's configuration; the server's own origin is known only once it listens. */
  config: () => SiteConfig;
}

export interface WebSiteRoute {
  method: "GET";
  path: string;
  handle(params: Record<string, string | undefined>): Promise<OidcReply>;
}

const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css)$/;
const CONTENT_TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

/** Locally the identity provider is on the page's own origin, so the policy names no other origin. */
export const LOCAL_SITE_HEADERS: Record<string, string> = {
  "content-security-policy": contentSecurityPolicy({ identityProviderOrigins: [] }),
  ...Object.fromEntries(Object.entries(SECURITY_HEADERS).filter(([name]) => name !== "strict-transport-security")),
};

export function webSiteRoutes(options: WebSiteOptions): WebSiteRoute[] {
  const page = async (): Promise<OidcReply> => ({
    status: 200,
    rawBody: await readFile(join(options.dir, "index.html"), "utf8"),
    contentType: "text/html; charset=utf-8",
    headers: { ...LOCAL_SITE_HEADERS, "cache-control": "no-cache" },
  });
  return [
    ...PAGE_PATHS.map((path) => ({ method: "GET" as const, path, handle: page })),
    {
      method: "GET",
      path: SITE_CONFIG_PATH,
      handle: async () => ({
        status: 200,
        rawBody: JSON.stringify(options.config()),
        contentType: "application/json",
        headers: { ...LOCAL_SITE_HEADERS, "cache-control": "no-cache" },
      }),
    },
    {
      method: "GET",
      path: "/assets/:file",
      async handle(params) {
        const file = params.file ?? "";
        const match = ASSET_NAME.exec(file);
        const body = match ? await readFile(join(options.dir, "assets", file), "utf8").catch(() => undefined) : undefined;
        if (!match || body === undefined) {
          return { status: 404, rawBody: "Not found", contentType: "text/plain; charset=utf-8", headers: LOCAL_SITE_HEADERS };
        }
        return {
          status: 200,
          rawBody: body,
          contentType: CONTENT_TYPES[match[1]!]!,
          headers: { ...LOCAL_SITE_HEADERS, "cache-control": "public, max-age=31536000, immutable" },
        };
      },
    },
  ];
}

/** The configuration of the page against the local identity provider (local/oidc.ts) on `origin`. */
export function localSiteConfig(origin: string, identityProvider: { issuer: string; audience: string }): SiteConfig {
  // The local provider signs with ES256 (SIGNING_ALGORITHM); Cognito with RS256, the page's default.
  return {
    issuer: identityProvider.issuer,
    clientId: identityProvider.audience,
    authorizationEndpoint: `${origin}/local/idp/authorize`,
    tokenEndpoint: `${origin}/local/idp/token`,
    idTokenSigningAlgorithms: [SIGNING_ALGORITHM],
    signOut: { url: `${origin}/local/idp/logout`, style: "oidc" },
    apiBase: "",
  };
}
