import { isUtf8 } from "node:buffer";
import { DomainError } from "../../domain/errors.ts";

type BodyEvent = { body?: string | null; isBase64Encoded?: boolean };

/** The body's size in bytes, as sent (API.md's 16 KiB limit counts bytes). */
export function requestBodyLength({ body, isBase64Encoded }: BodyEvent): number {
  if (body === undefined || body === null) return 0;
  return Buffer.byteLength(body, isBase64Encoded ? "base64" : "utf8");
}

/**
 * The request body as text. Bodies are UTF-8 (API.md "Conventions"): bytes that are not UTF-8 are refused
 * instead of being read as U+FFFD replacement characters (the local server passes such bodies base64-encoded).
 */
export function requestBodyText({ body, isBase64Encoded }: BodyEvent): string {
  if (body === undefined || body === null) return "";
  if (!isBase64Encoded) {
    // A lone surrogate in the text itself cannot have come from UTF-8 bytes.
    if (!body.isWellFormed()) throw notUtf8();
    return body;
  }
  const bytes = Buffer.from(body, "base64");
  if (!isUtf8(bytes)) throw notUtf8();
  return bytes.toString("utf8");
}

const notUtf8 = () => new DomainError("invalid_request", "The request body is not valid UTF-8. Send JSON encoded as UTF-8.");

/**
 * `content-type` parameters may declare the body's charset; only UTF-8 is read. Every `charset` parameter
 * counts (a header repeated with different values is refused, not guessed at), quoted or not, in any case.
 */
export function assertUtf8Charset(contentType: string): void {
  for (const match of contentType.matchAll(/;\s*charset\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi)) {
    const charset = (match[1] === undefined ? match[2]! : match[1].replace(/\\(.)/g, "$1")).toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") {
      throw new DomainError(
        "invalid_request",
        "The request body must be UTF-8, but its content-type declares another charset. Send `content-type: application/json` (or `application/json; charset=utf-8`) with a UTF-8 body.",
      );
    }
  }
}

/**
 * JSON's `\ud800` escapes can spell lone surrogates, which are not text: strict JSON clients (jq) choke on them
 * when they come back in a response. True when any string or key of the parsed body holds one.
 */
export function hasLoneSurrogate(text: string, parsed: unknown): boolean {
  // Only an escape of a surrogate can produce one (the text itself is well-formed): skip the walk otherwise.
  if (!/\\u[dD][89a-fA-F]/.test(text)) return false;
  const pending: unknown[] = [parsed];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (!value.isWellFormed()) return true;
    } else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (!key.isWellFormed()) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}
