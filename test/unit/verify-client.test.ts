import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from "vitest";
import { createVerifyClient, VerifyError, type AwsCredentials, type VerifyResult } from "../../docs/examples/verify-client.ts";
import type { VerifyResult as ServiceVerifyResult } from "../../functions/domain/verification.ts";

/**
 * The example client of docs/examples against a local stand-in for API Gateway: what it sends must be a
 * request that SigV4 verification accepts (the signature covers the method, path, host and body that
 * actually arrived), and it must read every kind of answer API.md describes.
 */

const REGION = "eu-west-1";
const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
} as const satisfies AwsCredentials;
// Not a real token: its shape is enough here. A non-ASCII character checks that the signed body hash is
// over the same UTF-8 bytes that are sent.
const TOKEN = "atk_0123456789abcdefghijklmnopqrstuvwxyzAB_é";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let reply: Reply;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      response.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
    });
  });
  // Port 0: the system picks a free port, with no window for another process to take it.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received = [];
  reply = { status: 200, body: { valid: false, reason: "not_found" } };
});

const header = (request: Received, name: string): string => {
  const value = request.headers[name];
  if (typeof value !== "string") throw new Error(`no single ${name} header`);
  return value;
};

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=(?<akid>[^/]+)\/(?<date>\d{8})\/(?<region>[^/]+)\/(?<service>[^/]+)\/aws4_request, SignedHeaders=(?<signedHeaders>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$/;

function parseAuthorization(request: Received) {
  const groups = AUTHORIZATION.exec(header(request, "authorization"))?.groups;
  if (!groups) throw new Error(`authorization header is not SigV4: ${header(request, "authorization")}`);
  const { akid, date, region, service, signedHeaders, signature } = groups as Record<string, string>;
  return { akid, date, region, service, signature, signedHeaders: signedHeaders!.split(";") };
}

/** `20260101T120000Z` → Date. */
function amzDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new Error(`not an x-amz-date: ${value}`);
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/**
 * What a verifier does: rebuild the request from what arrived (the signed headers' received values, the
 * received path and body) and sign it again with the same key and the request's own date. The payload hash
 * is recomputed from the received body (not taken from `x-amz-content-sha256`), so the comparison covers
 * the body too.
 */
async function resign(request: Received, credentials: AwsCredentials, body: string = request.body.toString("utf8")): Promise<string> {
  const { signedHeaders } = parseAuthorization(request);
  const recomputedByTheSigner = new Set(["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"]);
  const headers = Object.fromEntries(
    signedHeaders.filter((name) => !recomputedByTheSigner.has(name)).map((name) => [name, header(request, name)]),
  );
  const url = new URL(request.url, `http://${header(request, "host")}`);
  const signer = new SignatureV4({ service: "execute-api", region: REGION, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    { method: request.method, protocol: "http:", hostname: url.hostname, path: url.pathname, query: {}, headers, body },
    { signingDate: amzDate(header(request, "x-amz-date")) },
  );
  return signed.headers.authorization!;
}

describe("docs/examples/verify-client.ts", () => {
  test("mirrors the service's VerifyResult exactly (checked by tsc)", () => {
    expectTypeOf<VerifyResult>().toEqualTypeOf<ServiceVerifyResult>();
  });

  test("sends POST /v1/verify with a JSON body, signed with SigV4 for execute-api, session token included", async () => {
    const client = createVerifyClient({ apiUrl: `${baseUrl}/`, region: REGION, credentials: CREDENTIALS });
    const before = Date.now();
    await client.verify(TOKEN, "org-1");

    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/v1/verify");
    expect(header(request, "content-type")).toBe("application/json");
    expect(JSON.parse(request.body.toString("utf8"))).toEqual({ token: TOKEN, orgId: "org-1" });

    const authorization = parseAuthorization(request);
    expect(authorization).toMatchObject({ akid: "AKIDEXAMPLE", region: REGION, service: "execute-api" });
    const signedAt = amzDate(header(request, "x-amz-date"));
    expect(authorization.date).toBe(header(request, "x-amz-date").slice(0, 8));
    expect(signedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(authorization.signedHeaders).toEqual(
      expect.arrayContaining(["host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-type"]),
    );
    // The Host that arrived (with its port) is the one that was signed: re-signing below uses the received one.
    expect(header(request, "host")).toBe(new URL(baseUrl).host);
    expect(header(request, "x-amz-security-token")).toBe(CREDENTIALS.sessionToken);
    expect(header(request, "x-amz-content-sha256")).toBe(createHash("sha256").update(request.body).digest("hex"));

    // The signature is the one a verifier computes from what arrived…
    expect(await resign(request, CREDENTIALS)).toBe(header(request, "authorization"));
    // …and covers the body and the key: change either and it no longer matches.
    const otherBody = JSON.stringify({ token: TOKEN, orgId: "org-2" });
    expect(await resign(request, CREDENTIALS, otherBody)).not.toBe(header(request, "authorization"));
    expect(await resign(request, { ...CREDENTIALS, secretAccessKey: "another-secret" })).not.toBe(header(request, "authorization"));
  });

  test("without a session token signs no x-amz-security-token; without orgId sends only the token; keeps a base path", async () => {
    const longTerm = { accessKeyId: "AKIDLONGTERM", secretAccessKey: "long-term-secret" };
    // A credentials provider rather than an object: the other form the option takes.
    const client = createVerifyClient({ apiUrl: `${baseUrl}/prod`, region: REGION, credentials: async () => longTerm });
    await client.verify(TOKEN);

    const request = received[0]!;
    expect(request.url).toBe("/prod/v1/verify");
    expect(JSON.parse(request.body.toString("utf8"))).toEqual({ token: TOKEN });
    const authorization = parseAuthorization(request);
    expect(authorization.akid).toBe("AKIDLONGTERM");
    expect(authorization.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date"]));
    expect(authorization.signedHeaders).not.toContain("x-amz-security-token");
    expect(request.headers["x-amz-security-token"]).toBeUndefined();
    expect(await resign(request, longTerm)).toBe(header(request, "authorization"));
  });

  test("returns valid and invalid answers as the discriminated union", async () => {
    const client = createVerifyClient({ apiUrl: baseUrl, region: REGION, credentials: CREDENTIALS });
    const valid: VerifyResult = {
      valid: true,
      orgId: "org-1",
      tokenId: "tok-1",
      kind: "user",
      principal: { type: "user", id: "auth0|5f00", name: "Ada" },
      permissions: ["reports:read"],
      groups: ["finance"],
      sites: ["site-1"],
      canLogin: true,
    };
    reply = { status: 200, body: valid };
    const result = await client.verify(TOKEN, "org-1");
    expect(result).toEqual(valid);
    if (result.valid) expectTypeOf(result.principal.type).toEqualTypeOf<"user" | "service_user">();

    reply = { status: 200, body: { valid: false, reason: "revoked" } };
    expect(await client.verify(TOKEN)).toEqual({ valid: false, reason: "revoked" });

    reply = { status: 200, body: "<html>not the service</html>" };
    await expect(client.verify(TOKEN)).rejects.toMatchObject({ name: "VerifyError", status: 200 });
  });

  test("a non-200 answer throws a VerifyError with the status, the service's code and request id, never the token", async () => {
    const client = createVerifyClient({ apiUrl: baseUrl, region: REGION, credentials: CREDENTIALS });
    const caught = async () => {
      const error = await client.verify(TOKEN, "org-1").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VerifyError);
      const verifyError = error as VerifyError;
      expect(JSON.stringify({ ...verifyError, message: verifyError.message, stack: verifyError.stack })).not.toContain(TOKEN.slice(0, 20));
      return verifyError;
    };

    reply = { status: 403, body: { error: { code: "forbidden", message: "You may not do that.", requestId: "req-403" } } };
    expect(await caught()).toMatchObject({ status: 403, code: "forbidden", requestId: "req-403", retryAfterSeconds: undefined });

    reply = {
      status: 503,
      headers: { "retry-after": "1" },
      body: { error: { code: "unavailable", message: "Try again.", requestId: "req-503" } },
    };
    expect(await caught()).toMatchObject({ status: 503, code: "unavailable", requestId: "req-503", retryAfterSeconds: 1 });

    // API Gateway's own rejection (IAM denied, or a signature it does not accept): no service code.
    reply = { status: 403, headers: { "apigw-requestid": "gw-1" }, body: { message: "Forbidden" } };
    const gateway = await caught();
    expect(gateway).toMatchObject({ status: 403, code: undefined, requestId: "gw-1" });
    expect(gateway.message).toContain("Forbidden");
  });

  test("runs as a command only when executed directly: token from API_TOKEN, result on stdout", async () => {
    // Importing it above ran nothing: no exit code was set.
    expect(process.exitCode ?? 0).toBe(0);
    reply = { status: 200, body: { valid: false, reason: "expired" } };
    const tsx = createRequire(import.meta.url).resolve("tsx/cli");
    const script = fileURLToPath(new URL("../../docs/examples/verify-client.ts", import.meta.url));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [tsx, script, baseUrl, REGION, "org-1"],
        {
          // Credentials from the environment: the first source of the default provider chain.
          env: { PATH: process.env.PATH, API_TOKEN: TOKEN, AWS_ACCESS_KEY_ID: "AKIDFROMENV", AWS_SECRET_ACCESS_KEY: "env-secret" },
          timeout: 20_000,
        },
        (_error, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(code).toBe(1); // invalid token
    expect(JSON.parse(stdout)).toEqual({ valid: false, reason: "expired" });
    const request = received[0]!;
    expect(JSON.parse(request.body.toString("utf8"))).toEqual({ token: TOKEN, orgId: "org-1" });
    expect(parseAuthorization(request).akid).toBe("AKIDFROMENV");
    expect(await resign(request, { accessKeyId: "AKIDFROMENV", secretAccessKey: "env-secret" })).toBe(header(request, "authorization"));
  });
});
