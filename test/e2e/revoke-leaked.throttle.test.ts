/**
 * API.md: `POST /v1/revoke-leaked` is throttled per source address (429 `too_many_attempts` with `Retry-After`
 * beyond a documented rate: 10 reports a minute) and for the route as a whole. A server of its own: the counters
 * are per window of the service's clock, which these tests move, and they fill the local relay's counter.
 */
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { expectError, generateOk, newPerson, useLocalService, verify } from "./e2e-support.ts";
import { newViewer, reportLeaked, waitUntilRevoked } from "./leaked-support.ts";

const ctx = useLocalService();

/** Moves the service's clock to one second into the next minute, so a test has the rest of that window. */
async function startOfWindow(api: ApiClient): Promise<void> {
  const now = Date.parse((await api.request<{ now: string }>("GET", "/local/clock")).body.now);
  await api.advanceClock(60 - (Math.floor(now / 1000) % 60) + 1);
}

describe("throttling", () => {
  test("10 reports a minute per source; the 11th gets 429 with Retry-After; others and the next minute are not held back", async () => {
    const { api } = ctx;
    await startOfWindow(api);
    const person = await newPerson(api);
    const token = await generateOk(api, person);
    const viewer = newViewer();
    for (let i = 0; i < 10; i++) expect((await reportLeaked(api, { tokens: ["nothing"] }, viewer)).status).toBe(202);

    const refused = await reportLeaked(api, { tokens: [token.secret] }, viewer);
    expectError(refused, 429, "too_many_attempts");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`).toBe(true);
    // A refused report is not queued.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await verify(api, { token: token.secret })).body.valid).toBe(true);

    // A bad body is 400 before any counting (API.md's order), even from a throttled source.
    expectError(await reportLeaked(api, { tokens: [] }, viewer), 400, "invalid_request");
    // Another source is unaffected.
    expect((await reportLeaked(api, { tokens: ["nothing"] })).status).toBe(202);

    // After Retry-After seconds the source may report again.
    await api.advanceClock(retryAfter);
    expect((await reportLeaked(api, { tokens: [token.secret] }, viewer)).status).toBe(202);
    await waitUntilRevoked(api, token.secret);
  });

  test("without a viewer address the caller's own address is the source, with the same limit", async () => {
    const { api } = ctx;
    await startOfWindow(api);
    for (let i = 0; i < 10; i++) expect((await reportLeaked(api, { tokens: ["x"] }, {})).status).toBe(202);
    expectError(await reportLeaked(api, { tokens: ["x"] }, {}), 429, "too_many_attempts");
  });

  test("a relay (CloudFront's edge, or a client forging the viewer header) carries 100 reports a minute, whatever the viewers", async () => {
    const { api } = ctx;
    await startOfWindow(api);
    const answers = await Promise.all(Array.from({ length: 100 }, () => reportLeaked(api, { tokens: ["x"] }, newViewer())));
    expect(answers.map((r) => r.status)).toEqual(Array(100).fill(202));
    expectError(await reportLeaked(api, { tokens: ["x"] }, newViewer()), 429, "too_many_attempts");
  });
});
