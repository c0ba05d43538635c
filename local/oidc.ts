import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AuthorizationCodeError, IdentityProviderError, SIGNING_ALGORITHM, type LocalIdentityProvider } from "./identity-provider.ts";

/**
 * The local identity provider's OpenID Connect endpoints for a browser page (authorization code + PKCE), so the
 * page signs in locally exactly as it does against Cognito's managed login in AWS: discovery, authorize (with
 * its own small sign-in page), token and end session. The local provider keeps no sign-in session of its own:
 * every authorization request shows the sign-in page.
 */

export interface OidcReply {
  status: number;
  rawBody?: string;
  headers?: Record<string, string>;
  contentType?: string;
}

export interface OidcRoute {
  method: "GET" | "POST";
  path: string;
  handle(req: IncomingMessage, body: Buffer): Promise<OidcReply>;
}

export interface OidcOptions {
  identityProvider: LocalIdentityProvider;
  /** Exact redirect (and post-logout redirect) URIs; read at each request, as the server's origin is known late. */
  redirectUris: () => readonly string[];
}

/** Under the issuer, `${issuer}/...`; the server mounts the issuer at /local/idp. */
export const OIDC_PATHS = {
  discovery: "/local/idp/.well-known/openid-configuration",
  authorize: "/local/idp/authorize",
  token: "/local/idp/token",
  logout: "/local/idp/logout",
  jwks: "/local/idp/.well-known/jwks.json",
} as const;

const MAX_PARAMETER_LENGTH = 2048;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

type Language = "en" | "de";
const TEXT = {
  en: {
    title: "Sign in",
    heading: "Sign in",
    email: "Email",
    password: "Password",
    submit: "Sign in",
    wrong: "Incorrect email or password.",
    switchTo: "Deutsch",
    switchLang: "de",
    badRequest: "This sign-in link cannot be used",
    signedOutTitle: "Signed out",
    signedOut: "You are signed out.",
    localNote: "Local identity provider (development only).",
  },
  de: {
    title: "Anmelden",
    heading: "Anmelden",
    email: "E-Mail",
    password: "Passwort",
    submit: "Anmelden",
    wrong: "E-Mail-Adresse oder Passwort ist falsch.",
    switchTo: "English",
    switchLang: "en",
    badRequest: "Dieser Anmeldelink kann nicht verwendet werden",
    signedOutTitle: "Abgemeldet",
    signedOut: "Sie sind abgemeldet.",
    localNote: "Lokaler Identitätsanbieter (nur zur Entwicklung).",
  },
} as const;

/** The authorization request's parameters, carried from the query to the form's hidden fields. */
const AUTHORIZE_PARAMETERS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "ui_locales",
] as const;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function oidcRoutes(options: OidcOptions): OidcRoute[] {
  const idp = options.identityProvider;
  const issuer = idp.issuer;
  return [
    {
      method: "GET",
      path: OIDC_PATHS.discovery,
      handle: async (req) => withCors(req, json(200, discoveryDocument(issuer))),
    },
    { method: "GET", path: OIDC_PATHS.authorize, handle: async (req) => authorize(req, queryOf(req), undefined) },
    {
      method: "POST",
      path: OIDC_PATHS.authorize,
      handle: async (req, body) => {
        // Login CSRF: a browser's form post from another site names that site in Origin (absent: not a browser).
        const origin = req.headers.origin;
        if (origin !== undefined && origin !== new URL(issuer).origin) {
          return errorPage(403, languageOf(req, undefined), "The sign-in form must be sent from the sign-in page itself.");
        }
        const form = formOf(req, body);
        if (form === undefined)
          return errorPage(400, languageOf(req, undefined), "The form must be sent as application/x-www-form-urlencoded.");
        return authorize(req, form, { email: form.get("email") ?? "", password: form.get("password") ?? "" });
      },
    },
    { method: "POST", path: OIDC_PATHS.token, handle: async (req, body) => withCors(req, await token(req, body)) },
    { method: "GET", path: OIDC_PATHS.logout, handle: async (req) => logout(req) },
  ];

  /**
   * A page served from another allowed origin (a dev server named in the redirect URIs) reads discovery and the
   * token response as it reads Cognito's (which allow CORS); only those origins, and no credentials.
   */
  function withCors(req: IncomingMessage, reply: OidcReply): OidcReply {
    const origin = req.headers.origin;
    if (origin === undefined || !options.redirectUris().some((uri) => new URL(uri).origin === origin)) return reply;
    return { ...reply, headers: { ...reply.headers, "access-control-allow-origin": origin, vary: "Origin" } };
  }

  async function authorize(req: IncomingMessage, params: URLSearchParams, credentials: { email: string; password: string } | undefined) {
    const language = languageOf(req, params.get("ui_locales") ?? undefined);
    // First what makes a redirect safe: the client and an exact, allowed redirect_uri. Until then, a page.
    const clientId = single(params, "client_id");
    if (clientId === undefined || clientId !== idp.audience) {
      return errorPage(400, language, "client_id is missing or is not this identity provider's app client.");
    }
    const redirectUri = single(params, "redirect_uri");
    if (redirectUri === undefined || !options.redirectUris().includes(redirectUri)) {
      return errorPage(400, language, "redirect_uri is missing or is not one of the allowed redirect URIs.");
    }
    const state = single(params, "state");
    const fail = (error: string, description: string) => redirect(redirectUri, { error, error_description: description, state });
    for (const name of AUTHORIZE_PARAMETERS) {
      if (params.getAll(name).length > 1) return fail("invalid_request", `${name} is given more than once.`);
      if ((params.get(name) ?? "").length > MAX_PARAMETER_LENGTH) return fail("invalid_request", `${name} is too long.`);
    }
    const responseType = params.get("response_type");
    if (responseType === null) return fail("invalid_request", "response_type is missing.");
    if (responseType !== "code") return fail("unsupported_response_type", "Only response_type=code is supported.");
    const scope = params.get("scope") ?? "";
    if (!scope.split(" ").includes("openid")) return fail("invalid_scope", "scope must include openid.");
    const unknownScope = scope.split(" ").find((s) => s !== "" && !SCOPES.includes(s));
    if (unknownScope !== undefined) return fail("invalid_scope", "scope may hold only openid, profile and email.");
    const method = params.get("code_challenge_method");
    const challenge = params.get("code_challenge");
    if (challenge === null) return fail("invalid_request", "PKCE is required: code_challenge is missing.");
    if (method !== "S256") return fail("invalid_request", "PKCE is required with code_challenge_method=S256.");
    if (!PKCE_CHALLENGE.test(challenge)) return fail("invalid_request", "code_challenge must be 43 base64url characters.");
    const nonce = params.get("nonce") ?? undefined;

    const carried = AUTHORIZE_PARAMETERS.flatMap((name) => {
      const value = params.get(name);
      return value === null ? [] : [[name, value] as [string, string]];
    });
    const formAction = ["'self'", ...new Set(options.redirectUris().map((uri) => new URL(uri).origin))].join(" ");
    if (credentials === undefined) return signInPage(200, language, carried, formAction, undefined, "");
    try {
      const code = await idp.createAuthorizationCode({
        email: credentials.email,
        password: credentials.password,
        clientId,
        redirectUri,
        codeChallenge: challenge,
        scope,
        ...(nonce === undefined ? {} : { nonce }),
      });
      return redirect(redirectUri, { code, state });
    } catch (error) {
      if (error instanceof IdentityProviderError && error.code === "invalid_credentials") {
        return signInPage(401, language, carried, formAction, TEXT[language].wrong, credentials.email);
      }
      throw error;
    }
  }

  async function token(req: IncomingMessage, body: Buffer): Promise<OidcReply> {
    const form = formOf(req, body);
    if (form === undefined) return tokenError(400, "invalid_request", "Send the request as application/x-www-form-urlencoded.");
    const fields = ["grant_type", "code", "redirect_uri", "client_id", "code_verifier"] as const;
    for (const name of fields) {
      if (form.getAll(name).length > 1) return tokenError(400, "invalid_request", `${name} is given more than once.`);
    }
    const grantType = form.get("grant_type");
    if (grantType === null) return tokenError(400, "invalid_request", "grant_type is missing.");
    if (grantType !== "authorization_code") return tokenError(400, "unsupported_grant_type", "Only authorization_code is supported.");
    for (const name of fields) {
      if (!form.get(name)) return tokenError(400, "invalid_request", `${name} is missing.`);
    }
    const clientId = form.get("client_id")!;
    if (clientId !== idp.audience) return tokenError(401, "invalid_client", "client_id is not this identity provider's app client.");
    const codeVerifier = form.get("code_verifier")!;
    if (!PKCE_VERIFIER.test(codeVerifier)) {
      return tokenError(400, "invalid_request", "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~.");
    }
    try {
      const tokens = await idp.redeemAuthorizationCode({
        code: form.get("code")!,
        clientId,
        redirectUri: form.get("redirect_uri")!,
        codeVerifier,
      });
      return json(200, {
        id_token: tokens.idToken,
        access_token: tokens.accessToken,
        token_type: "Bearer",
        expires_in: tokens.expiresIn,
      });
    } catch (error) {
      if (error instanceof AuthorizationCodeError) return tokenError(400, error.code, error.message);
      throw error;
    }
  }

  function logout(req: IncomingMessage): OidcReply {
    const params = queryOf(req);
    const language = languageOf(req, params.get("ui_locales") ?? undefined);
    const clientId = single(params, "client_id");
    const target = single(params, "post_logout_redirect_uri");
    if (params.has("post_logout_redirect_uri")) {
      if (target === undefined || !options.redirectUris().includes(target) || (clientId !== undefined && clientId !== idp.audience)) {
        return errorPage(400, language, "post_logout_redirect_uri is not one of the allowed redirect URIs.");
      }
      return redirect(target, { state: single(params, "state") });
    }
    const text = TEXT[language];
    return html(
      200,
      language,
      text.signedOutTitle,
      `<h1>${escapeHtml(text.signedOutTitle)}</h1>\n<p>${escapeHtml(text.signedOut)}</p>`,
      "",
    );
  }
}

const SCOPES = ["openid", "profile", "email"];

export function discoveryDocument(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    end_session_endpoint: `${issuer}/logout`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code"],
    code_challenge_methods_supported: ["S256"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    scopes_supported: SCOPES,
    token_endpoint_auth_methods_supported: ["none"],
    subject_types_supported: ["public"],
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "email", "nonce", "token_use"],
    ui_locales_supported: ["en", "de"],
  };
}

/** A parameter given exactly once, non-empty; otherwise undefined. */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 && values[0] !== "" && values[0]!.length <= MAX_PARAMETER_LENGTH ? values[0] : undefined;
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? "/", "http://local").searchParams;
}

function formOf(req: IncomingMessage, body: Buffer): URLSearchParams | undefined {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" || !isUtf8(body)) return undefined;
  return new URLSearchParams(body.toString("utf8"));
}

/** `ui_locales` first (OIDC), then the browser's language: `de*` → German, anything else → English (UI.md). */
function languageOf(req: IncomingMessage, uiLocales: string | undefined): Language {
  const first = (uiLocales ?? req.headers["accept-language"] ?? "").split(/[ ,;]/)[0]!.trim().toLowerCase();
  return first.startsWith("de") ? "de" : "en";
}

function redirect(target: string, params: Record<string, string | undefined>): OidcReply {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return { status: 303, headers: { location: url.href, "cache-control": "no-store", "referrer-policy": "no-referrer" } };
}

function json(status: number, body: unknown): OidcReply {
  return { status, rawBody: JSON.stringify(body), contentType: "application/json", headers: { "cache-control": "no-store" } };
}

function tokenError(status: number, error: string, description: string): OidcReply {
  return { ...json(status, { error, error_description: description }), headers: { "cache-control": "no-store", pragma: "no-cache" } };
}

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem;color:#111}" +
  "label{display:block;margin-top:1rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}" +
  "button{margin-top:1.25rem;padding:.5rem 1.25rem;font:inherit}[role=alert]{color:#a00;font-weight:600}" +
  "small{display:block;margin-top:2rem;color:#555}";

function html(status: number, language: Language, title: string, main: string, formAction: string): OidcReply {
  const csp = [
    "default-src 'none'",
    // The one stylesheet is inline; allowed by its hash, not by 'unsafe-inline'. No script at all.
    `style-src 'sha256-${STYLE_HASH}'`,
    `form-action ${formAction || "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
  return {
    status,
    contentType: "text/html; charset=utf-8",
    headers: {
      "content-security-policy": csp,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      // same-origin: the form's post names this origin in Origin (no-referrer would send "null").
      "referrer-policy": "same-origin",
    },
    rawBody: `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
<small>${escapeHtml(TEXT[language].localNote)}</small>
</main>
</body>
</html>
`,
  };
}

const STYLE_HASH = createHash("sha256").update(STYLE, "utf8").digest("base64");

function signInPage(
  status: number,
  language: Language,
  carried: Array<[string, string]>,
  formAction: string,
  error: string | undefined,
  email: string,
): OidcReply {
  const text = TEXT[language];
  const hidden = carried
    .filter(([name]) => name !== "ui_locales")
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  const switchQuery = new URLSearchParams([...carried.filter(([name]) => name !== "ui_locales"), ["ui_locales", text.switchLang]]);
  const main = `<h1>${escapeHtml(text.heading)}</h1>
${error === undefined ? "" : `<p role="alert" id="error">${escapeHtml(error)}</p>`}
<form method="post" action="${OIDC_PATHS.authorize}">
${hidden}
<input type="hidden" name="ui_locales" value="${language}">
<label for="email">${escapeHtml(text.email)}</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}"${error === undefined ? "" : ' aria-describedby="error"'}>
<label for="password">${escapeHtml(text.password)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${escapeHtml(text.submit)}</button>
</form>
<p><a href="${OIDC_PATHS.authorize}?${escapeHtml(switchQuery.toString())}" lang="${text.switchLang}" hreflang="${text.switchLang}">${escapeHtml(text.switchTo)}</a></p>`;
  return html(status, language, text.title, main, formAction);
}

function errorPage(status: number, language: Language, message: string): OidcReply {
  const text = TEXT[language];
  return html(status, language, text.badRequest, `<h1>${escapeHtml(text.badRequest)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`, "");
}
