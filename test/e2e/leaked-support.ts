/** What the `POST /v1/revoke-leaked` tests share: a reporter's address of its own, the report, and the wait for the worker. */
import { randomInt } from "node:crypto";
import type { ApiClient } from "../support/api-client.ts";
import { sleep, verify } from "./e2e-support.ts";

/**
 * A viewer address no other test reports from, as CloudFront sends it (`ip:port`): the service counts a report
 * against it (and against the peer that relayed it, here the test process).
 */
export const newViewer = () => ({
  "cloudfront-viewer-address": `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}:${randomInt(1024, 65535)}`,
});

export const reportLeaked = (api: ApiClient, body: unknown, headers: Record<string, string> = newViewer()) =>
  api.request("POST", "/v1/revoke-leaked", { body, headers });

/** The worker runs after the answer: polls verify (up to 5 s) until the token is revoked. */
export async function waitUntilRevoked(api: ApiClient, secret: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await verify(api, { token: secret })).body.reason === "revoked") return;
    await sleep(50);
  }
  throw new Error("the reported token was not revoked within 5 s");
}
