/** What the activity tests share: API.md's listed actions, the System actor, the whole log, its shape, and no secret in it. */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { allPages, listActivity, type ActivityEvent, type Person } from "./e2e-support.ts";

/** The actions API.md lists; the service may record more ("at least"), which these tests leave aside. */
export const LISTED_ACTIONS = new Set([
  "token.created",
  "token.revoked",
  "token.expired",
  "token.login",
  "service_user.created",
  "service_user.updated",
  "service_user.deleted",
]);
export const SYSTEM = { type: "system", id: "system", name: "System" };
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every event of the organization, newest first, by following the cursors; also every response text. */
export async function wholeActivity(api: ApiClient, admin: Person, limit = 200): Promise<{ events: ActivityEvent[]; texts: string[] }> {
  const texts: string[] = [];
  const { items } = await allPages<ActivityEvent>(async (cursor) => {
    const response = await listActivity(api, admin, { limit, ...(cursor ? { cursor } : {}) });
    texts.push(response.text);
    return response;
  }, "events");
  return { events: items, texts };
}

export const user = (person: Person, name = person.name) => ({ type: "user", id: person.userId, name });

/** The shape of every event: only API.md's fields, an ISO time, an actor of exactly three fields. */
export function expectEventShapes(events: ActivityEvent[]): void {
  for (const event of events) {
    for (const key of Object.keys(event)) expect(["at", "action", "actor", "tokenId", "detail"]).toContain(key);
    expect(event.at).toMatch(ISO_UTC);
    expect(Object.keys(event.actor).sort()).toEqual(["id", "name", "type"]);
    expect(["user", "service_user", "system"]).toContain(event.actor.type);
    if (event.action.startsWith("token.")) expect(typeof event.tokenId).toBe("string");
    if (event.detail !== undefined) expect(typeof event.detail).toBe("object");
  }
  // Newest first.
  for (let i = 1; i < events.length; i++) {
    expect(Date.parse(events[i]!.at), `event ${i} is not older than event ${i - 1}`).toBeLessThanOrEqual(Date.parse(events[i - 1]!.at));
  }
}

/** The forms in which a secret's SHA-256 could be written down. */
export const hashForms = (secret: string) => {
  const digest = createHash("sha256").update(secret).digest();
  return [digest.toString("hex"), digest.toString("hex").toUpperCase(), digest.toString("base64"), digest.toString("base64url")];
};
export function expectNothingSecret(texts: string[], secrets: string[], passwords: string[]): void {
  const all = texts.join("\n");
  expect(all.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(all.includes(secret), "a secret is in the activity").toBe(false);
    for (const form of hashForms(secret)) expect(all.includes(form), "a secret's hash is in the activity").toBe(false);
  }
  for (const password of passwords) expect(all.includes(password), "a password is in the activity").toBe(false);
  // No 64-hex-character string at all (what a SHA-256 hash looks like).
  expect(all).not.toMatch(/[0-9a-f]{64}/i);
}

export type Expected = { action: string; actor: object; tokenId?: string };
export const summary = (event: ActivityEvent): Expected => ({
  action: event.action,
  actor: event.actor,
  ...(event.tokenId !== undefined ? { tokenId: event.tokenId } : {}),
});
