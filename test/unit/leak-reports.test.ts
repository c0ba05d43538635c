/** The pure parts of `POST /v1/revoke-leaked`: what is queued, how the queue's messages are read, whom a report counts against. */
import { describe, expect, test } from "vitest";
import { parseLeakReport } from "../../functions/adapters/sqs/sqs-leak-report-sink.ts";
import { addressKey } from "../../functions/domain/leak-report-throttle.ts";
import { toLeakedTokens } from "../../functions/domain/leaked-tokens.ts";
import { hashSecret, newTokenSecret } from "../../functions/domain/token-secret.ts";
import type { HttpEvent } from "../../functions/platform/http/http-handler.ts";
import { reportSources } from "../../functions/platform/http/report-sources.ts";

describe("what is queued", () => {
  test("well-formed tokens only, once each, as id and hash: never the secret", () => {
    const user = newTokenSecret("user");
    const robot = newTokenSecret("service_user");
    const queued = toLeakedTokens([user.secret, "garbage", robot.secret, user.secret, `${user.secret}0`, "x".repeat(10_000)]);
    expect(queued).toEqual([
      { tokenId: user.id, kind: "user", secretHash: hashSecret(user.secret) },
      { tokenId: robot.id, kind: "service_user", secretHash: hashSecret(robot.secret) },
    ]);
    expect(JSON.stringify(queued)).not.toContain(user.secret.slice(9));
  });

  test("the worker reads back exactly what was queued, and refuses anything else", () => {
    const queued = toLeakedTokens([newTokenSecret("user").secret]);
    expect(parseLeakReport(JSON.stringify({ tokens: queued }))).toEqual(queued);
    expect(parseLeakReport(JSON.stringify({ tokens: [] }))).toEqual([]);
    for (const body of [
      "not json",
      "{}",
      JSON.stringify({ tokens: [{ ...queued[0], kind: "admin" }] }),
      JSON.stringify({ tokens: [{ ...queued[0], secretHash: "atk_user_secret" }] }),
      JSON.stringify({ tokens: [{ ...queued[0], tokenId: "../../x" }] }),
      JSON.stringify({ tokens: Array(101).fill(queued[0]) }),
    ]) {
      expect(() => parseLeakReport(body), body).toThrow();
    }
  });
});

describe("whom a report counts against", () => {
  const event = (sourceIp: string, headers: Record<string, string> = {}) =>
    ({ headers, requestContext: { http: { sourceIp } } }) as unknown as HttpEvent;

  test("called directly: API Gateway's source address; X-Forwarded-For is never believed", () => {
    expect(reportSources(event("203.0.113.9", { "x-forwarded-for": "192.0.2.1" }))).toEqual([{ scope: "source", address: "203.0.113.9" }]);
  });

  test("through CloudFront: the viewer's address (without its port), and the edge that relayed it", () => {
    expect(reportSources(event("130.176.1.1", { "cloudfront-viewer-address": "198.51.100.10:46532" }))).toEqual([
      { scope: "source", address: "198.51.100.10" },
      { scope: "relay", address: "130.176.1.1" },
    ]);
    expect(reportSources(event("130.176.1.1", { "cloudfront-viewer-address": "2001:DB8::8A2E:370:7334:443" }))[0]).toEqual({
      scope: "source",
      address: "2001:db8::8a2e:370:7334",
    });
  });

  test("a viewer header that is no address counts as one shared source, still against its relay", () => {
    for (const forged of ["", "evil", "1.2.3.4", `${"1".repeat(100)}:1`, "1.2.3.4:80, 5.6.7.8:80"]) {
      expect(reportSources(event("203.0.113.9", { "cloudfront-viewer-address": forged })), forged).toEqual([
        { scope: "source", address: "malformed" },
        { scope: "relay", address: "203.0.113.9" },
      ]);
    }
  });

  test("addresses are stored only as hashes, which change with the window", () => {
    expect(addressKey("198.51.100.10", 60)).not.toContain("198");
    expect(addressKey("198.51.100.10", 60)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(addressKey("198.51.100.10", 60)).not.toBe(addressKey("198.51.100.10", 120));
  });
});
