/**
 * Domain errors carry a stable code from API.md; the HTTP layer maps each code to a status in one place.
 * Messages are written for the caller and never include a secret, a hash or a password.
 */
export type ErrorCode =
  | "unauthenticated"
  | "forbidden"
  | "payload_too_large"
  | "invalid_request"
  | "too_many_attempts"
  | "invalid_password"
  | "login_not_allowed"
  | "not_found"
  | "token_limit_reached"
  | "unavailable";

export class DomainError extends Error {
  /** When trying again can help (429 `too_many_attempts`, 503): whole seconds, sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new DomainError("not_found", `No such ${what}.`);

/**
 * A conditional write lost a race (a version check failed, or DynamoDB cancelled a transaction for a
 * conflicting one). The domain re-reads and tries again; it never reaches a caller as such.
 */
export class WriteConflict extends Error {
  constructor(message = "A concurrent change won the race") {
    super(message);
    this.name = "WriteConflict";
  }
}

/** The store could not complete a request after its retries; nothing was changed. */
export class StoreUnavailable extends Error {
  constructor(message = "The database could not complete the request") {
    super(message);
    this.name = "StoreUnavailable";
  }
}

/** A pagination cursor that this service did not hand out (or handed out for another list). */
export class InvalidCursor extends DomainError {
  constructor() {
    super("invalid_request", "The cursor is not valid for this list. Start again without `cursor`.");
  }
}
