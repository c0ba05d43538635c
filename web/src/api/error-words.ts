/** The API's errors (API.md) as sentences a person can act on, in the page's language. */
import type { Formatter } from "../i18n/format.ts";
import type { Messages } from "../i18n/messages.ts";
import { ApiError, type Token } from "./client.ts";

export const USER_TOKEN_LIMIT = 10;
/** API.md: an organization has at most 20 active service-user tokens. */
export const SERVICE_TOKEN_LIMIT = 20;
/** The permission the admin pages need (API.md). */
export const ADMIN_PERMISSION = "api-tokens:admin";

export interface ErrorContext {
  t: Messages;
  format: Formatter;
  now: Date;
  /** The person's tokens, to name those that could be revoked when the limit is reached. */
  tokens?: readonly Token[];
  /** `admin`: an admin route answered (service users, the organization's tokens, its activity). */
  scope?: "own" | "admin";
}

export function errorWords(error: unknown, { t, format, now, tokens = [], scope = "own" }: ErrorContext): string {
  if (!(error instanceof ApiError)) return t.errorUnavailable(undefined);
  switch (error.code) {
    case "network":
      return t.errorNetwork;
    case "invalid_password":
      return t.errorWrongPassword;
    case "token_limit_reached":
      if (scope === "admin") return t.errorServiceLimit(SERVICE_TOKEN_LIMIT);
      return t.errorLimit(USER_TOKEN_LIMIT, leastRecentlyUsed(tokens, 3));
    case "too_many_attempts": {
      const seconds = error.retryAfterSeconds ?? 15 * 60;
      const retryAt = new Date(now.getTime() + seconds * 1000);
      return t.errorThrottled(format.inFuture(retryAt, now), format.time(retryAt));
    }
    case "invalid_request":
      return t.errorNameInvalid;
    case "forbidden":
      return scope === "admin" ? t.errorAdminForbidden(ADMIN_PERMISSION) : t.errorForbidden;
    case "not_found":
      return scope === "admin" ? t.errorAdminNotFound : t.errorNotFoundAnymore;
    default:
      return t.errorUnavailable(error.requestId);
  }
}

/** Never used first (oldest made first), then the longest unused. */
export function leastRecentlyUsed(tokens: readonly Token[], count: number): string[] {
  const lastActive = (token: Token) => Date.parse(token.lastUsedAt ?? token.createdAt) - (token.lastUsedAt ? 0 : 1e15);
  return [...tokens]
    .sort((a, b) => lastActive(a) - lastActive(b))
    .slice(0, count)
    .map((token) => token.name);
}
