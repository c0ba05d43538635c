import { DomainError, StoreUnavailable, type ErrorCode } from "../../domain/errors.ts";

/** The one place where error codes become HTTP statuses (API.md "Status codes and error codes"). */
const STATUS: Readonly<Record<ErrorCode, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  payload_too_large: 413,
  invalid_request: 400,
  too_many_attempts: 429,
  invalid_password: 403,
  login_not_allowed: 403,
  not_found: 404,
  token_limit_reached: 409,
  unavailable: 503,
};

export interface ErrorResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_HEADERS = {
  "content-type": "application/json",
  // Responses may carry a secret (201) or access details: never cache them anywhere.
  "cache-control": "no-store",
};

export function errorBody(code: string, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, requestId } });
}

/** Known errors keep their code and message; anything else is a generic 500 with no detail. */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse & { expected: boolean } {
  if (error instanceof DomainError) {
    // API.md: a 429 carries `Retry-After` (seconds until the lock ends); so does a 503 that knows when to retry.
    const headers =
      error.retryAfterSeconds === undefined ? JSON_HEADERS : { ...JSON_HEADERS, "retry-after": String(error.retryAfterSeconds) };
    return { statusCode: STATUS[error.code], headers, body: errorBody(error.code, error.message, requestId), expected: true };
  }
  if (error instanceof StoreUnavailable) {
    return {
      statusCode: 503,
      headers: { ...JSON_HEADERS, "retry-after": "1" },
      body: errorBody("unavailable", "The service could not complete the request; nothing was changed. Try again.", requestId),
      expected: false,
    };
  }
  return {
    statusCode: 500,
    headers: JSON_HEADERS,
    // API.md: the message names the request id, never the cause.
    body: errorBody("internal_error", `Something went wrong on our side. Quote request id ${requestId} if you contact support.`, requestId),
    expected: false,
  };
}
