/**
 * What the page needs to know about where it runs, and the security headers it is served with. Shared by the
 * local server (which serves both) and the CDK stack (which writes `config.json` at deploy and sets the headers
 * in CloudFront's response-headers policy), so the page runs under the same rules in both places.
 */

/** `/config.json`, fetched by the page at start. Nothing in it is a secret. */
export interface SiteConfig {
  /** The OpenID Connect issuer: the ID tokens' `iss`. */
  readonly issuer: string;
  /** The public app client (no secret: authorization code + PKCE). */
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** The ID tokens' signing algorithms (`alg`); default RS256, as Cognito signs. */
  readonly idTokenSigningAlgorithms?: readonly string[];
  /**
   * Where sign-out sends the browser. `oidc`: RP-initiated logout (`post_logout_redirect_uri`, `id_token_hint`);
   * `cognito`: Cognito's `/logout` (`logout_uri`, `client_id`), which has no `end_session_endpoint`.
   */
  readonly signOut: { readonly url: string; readonly style: "oidc" | "cognito" };
  /** Prefix of the API's routes, relative to the page's origin ("" when `/v1/*` is on the same origin). */
  readonly apiBase: string;
}

export const SITE_CONFIG_PATH = "/config.json";

/** The paths a person may open directly (deep links); everything else under the site is a file. */
export const PAGE_PATHS = [
  "/",
  "/auth/callback",
  "/profile",
  "/profile/settings",
  "/profile/settings/api-tokens",
  "/integrations",
  "/integrations/custom",
] as const;

/**
 * A strict Content-Security-Policy: scripts and styles from the site only (no inline script or style, no eval),
 * connections to the site and the identity provider's token endpoint only, never framed.
 */
export function contentSecurityPolicy(options: { identityProviderOrigins: readonly string[] }): string {
  const idp = [...new Set(options.identityProviderOrigins)].join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${idp ? ` ${idp}` : ""}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    `form-action 'self'${idp ? ` ${idp}` : ""}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** The headers besides the CSP, as CloudFront's security-headers policy sets them. */
export const SECURITY_HEADERS = {
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), clipboard-write=(self)",
  "cross-origin-opener-policy": "same-origin",
} as const;
