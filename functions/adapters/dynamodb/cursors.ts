import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { InvalidCursor } from "../../domain/errors.ts";

/**
 * List cursors: what a caller may hold of a position in a list, and nothing of the storage. The store pages;
 * this module seals and opens.
 */

export const MIN_CURSOR_SECRET_LENGTH = 32;
const CURSOR_KEY_INFO = "api-token-service list cursor v1";
const CURSOR_TAG_BYTES = 16;
const MAX_CURSOR_LENGTH = 1024;
/** A position value: an id or a time. Never `#`, so it can never reach into another key's structure. */
const POSITION_VALUE = /^[A-Za-z0-9._:@|-]{1,128}$/;

/**
 * A cursor is the position of the last item a page went past, in domain terms (the values the caller saw,
 * such as a token's `createdAt` and id, or an activity record's time and its random id), and a MAC binding
 * it to its list and organization: `<base64url(JSON position)>.<base64url(HMAC-SHA256 tag, 128 bits)>`.
 * It names no table, index, key or attribute, and the store rebuilds the start key from the position (keys.ts).
 * Without the deployment's key nobody can make one, change one, or move one to another list or organization.
 * The same page always gets the same cursor.
 */
export function sealCursor(key: Buffer, list: string, orgId: string, position: readonly string[]): string {
  const payload = Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
  return `${payload}.${cursorTag(key, list, orgId, payload).toString("base64url")}`;
}

/** The position a cursor carries, or `InvalidCursor` for anything this list of this organization did not hand out. */
export function openCursor(key: Buffer, cursor: string, list: string, orgId: string, positionLength: number): string[] {
  try {
    if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("shape");
    const [payload, tag] = cursor.split(".") as [string, string];
    const given = Buffer.from(tag, "base64url");
    const expected = cursorTag(key, list, orgId, payload);
    // The tag's exact text too: base64url decoding ignores a last character's spare bits.
    if (given.length !== expected.length || given.toString("base64url") !== tag || !timingSafeEqual(given, expected)) {
      throw new Error("tag");
    }
    const position: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (
      !Array.isArray(position) ||
      position.length !== positionLength ||
      !position.every((value) => typeof value === "string" && POSITION_VALUE.test(value))
    ) {
      throw new Error("position");
    }
    return position as string[];
  } catch {
    throw new InvalidCursor();
  }
}

/** Domain-separated and unambiguous: the list, the organization and the payload as one JSON array. */
const cursorTag = (key: Buffer, list: string, orgId: string, payload: string): Buffer =>
  createHmac("sha256", key)
    .update(JSON.stringify(["cursor", list, orgId, payload]))
    .digest()
    .subarray(0, CURSOR_TAG_BYTES);

/** The HMAC key for cursors, derived from the configured secret (`CURSOR_KEY`). */
export function cursorKey(secret: string | undefined): Buffer {
  if (!secret || secret.length < MIN_CURSOR_SECRET_LENGTH) {
    throw new Error("Lists need a cursor key: set CURSOR_KEY (at least 32 characters) for this function.");
  }
  return Buffer.from(hkdfSync("sha256", secret, "", CURSOR_KEY_INFO, 32));
}
