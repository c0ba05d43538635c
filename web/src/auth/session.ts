/**
 * Sign-in with OpenID Connect, authorization code + PKCE (oauth4webapi), against the issuer `/config.json`
 * names: the local identity provider, or Cognito's managed login in AWS. The session (the ID token the API
 * accepts) lives in `sessionStorage`: it survives a reload, not the tab. Nothing else is kept: never a token
 * secret, never a password.
 */
import * as oauth from "oauth4webapi";
import type { SiteConfig } from "../../site-config.ts";
import { CALLBACK_PATH, safeReturnPath } from "./return-path.ts";

export { CALLBACK_PATH };
const SESSION_KEY = "api-tokens.session";
const PENDING_KEY = "api-tokens.sign-in";
/** A session this close to its end counts as ended: a request must not start with one that dies on the way. */
const EXPIRY_MARGIN_MS = 30_000;

export interface Session {
  readonly idToken: string;
  readonly userId: string;
  readonly expiresAtMs: number;
}

interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Where the person was (path and query), to return there after signing in. */
  returnTo: string;
}

export class Auth {
  private readonly server: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  /** The local identity provider speaks plain HTTP on loopback; anything else must be HTTPS. */
  private readonly requestOptions: { [oauth.allowInsecureRequests]?: boolean };

  constructor(
    private readonly config: SiteConfig,
    private readonly origin: string,
  ) {
    this.server = {
      issuer: config.issuer,
      authorization_endpoint: config.authorizationEndpoint,
      token_endpoint: config.tokenEndpoint,
      id_token_signing_alg_values_supported: [...(config.idTokenSigningAlgorithms ?? ["RS256"])],
    };
    this.client = { client_id: config.clientId };
    const token = new URL(config.tokenEndpoint);
    const loopback = token.hostname === "127.0.0.1" || token.hostname === "localhost" || token.hostname === "[::1]";
    this.requestOptions = token.protocol === "http:" && loopback ? { [oauth.allowInsecureRequests]: true } : {};
  }

  get redirectUri(): string {
    return `${this.origin}${CALLBACK_PATH}`;
  }

  /** The current session, or undefined when there is none or it has (nearly) ended. */
  session(now = Date.now()): Session | undefined {
    const stored = readJson<Session>(SESSION_KEY);
    if (!stored || typeof stored.idToken !== "string" || stored.expiresAtMs - EXPIRY_MARGIN_MS <= now) return undefined;
    return stored;
  }

  /** Sends the browser to the identity provider; `returnTo` is where it comes back to afterwards. */
  async signIn(returnTo: string, language: string): Promise<never> {
    const pending: PendingSignIn = {
      codeVerifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      returnTo: safeReturnPath(returnTo),
    };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(this.config.authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri,
      scope: "openid email profile",
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
      ui_locales: language,
    }).toString();
    window.location.assign(url.href);
    return new Promise<never>(() => undefined);
  }

  /** Completes a sign-in on the callback URL: the code for an ID token. Returns the path to go back to. */
  async completeSignIn(callbackUrl: URL): Promise<string> {
    const pending = readJson<PendingSignIn>(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    if (!pending) throw new Error("no sign-in was started in this tab");
    const parameters = oauth.validateAuthResponse(this.server, this.client, callbackUrl, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      this.server,
      this.client,
      oauth.None(),
      parameters,
      this.redirectUri,
      pending.codeVerifier,
      this.requestOptions,
    );
    const result = await oauth.processAuthorizationCodeResponse(this.server, this.client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (!result.id_token || !claims) throw new Error("the identity provider sent no ID token");
    const session: Session = { idToken: result.id_token, userId: claims.sub, expiresAtMs: claims.exp * 1000 };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    return pending.returnTo;
  }

  /** Forgets the session here, then ends it at the identity provider, which sends the browser back to `/`. */
  signOut(): void {
    const idToken = this.session()?.idToken;
    sessionStorage.removeItem(SESSION_KEY);
    const url = new URL(this.config.signOut.url);
    const home = `${this.origin}/`;
    const params: Record<string, string> =
      this.config.signOut.style === "cognito"
        ? { client_id: this.config.clientId, logout_uri: home }
        : { client_id: this.config.clientId, post_logout_redirect_uri: home, ...(idToken ? { id_token_hint: idToken } : {}) };
    url.search = new URLSearchParams(params).toString();
    window.location.assign(url.href);
  }

  /** The session ended (expired or refused): forget it, so the next step signs in again. */
  forget(): void {
    sessionStorage.removeItem(SESSION_KEY);
  }
}

function readJson<T>(key: string): T | undefined {
  try {
    const text = sessionStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}
