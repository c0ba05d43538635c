/**
 * Every error of API.md's "Status codes and error codes" table that applies to the user-token routes, login
 * and verify, with the exact status, code and error shape, and the precedence of "When several apply".
 */
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import {
  expectError,
  expectLocked,
  generate,
  generateOk,
  list,
  login,
  newPerson,
  revoke,
  tokenPath,
  tokensPath,
  useSharedLocalService,
  verify,
  type Person,
} from "./e2e-support.ts";

const ctx = useSharedLocalService();
const KiB = 1024;

/** Sends a raw JSON body (as a client that builds its own bodies would). */
const rawGenerate = (api: ApiClient, person: Person, rawBody: string, orgId = person.orgId) =>
  api.request("POST", tokensPath(orgId), {
    bearer: person.session,
    rawBody,
    headers: { "content-type": "application/json" },
  });

/** A well-formed token id that was never issued. */
const UNKNOWN_TOKEN_ID = "0000000000000000";

describe("413 payload_too_large", () => {
  test("a body over 16 KiB is refused; exactly 16 KiB is not", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const valid = JSON.stringify({ name: "padded", password: person.password });
    const exactly16KiB = valid + " ".repeat(16 * KiB - Buffer.byteLength(valid));
    expect(Buffer.byteLength(exactly16KiB)).toBe(16 * KiB);

    expectError(await rawGenerate(api, person, `${exactly16KiB} `), 413, "payload_too_large");
    const big = JSON.stringify({ name: "big", password: person.password }).replace("}", `,"padding":"${"p".repeat(17 * KiB)}"}`);
    expectError(await rawGenerate(api, person, big), 413, "payload_too_large");
    // Multi-byte characters count as bytes: 6,000 × "📊" is 24,000 bytes.
    expectError(await generate(api, person, { name: "📊".repeat(6000), password: person.password }), 413, "payload_too_large");

    const accepted = await rawGenerate(api, person, exactly16KiB);
    expect(accepted.status, accepted.text).toBe(201);
    expect((await list(api, person)).body.tokens.map((t) => t.name)).toEqual(["padded"]);
  });

  test("verify and login refuse bodies over 16 KiB too", async () => {
    const { api } = ctx;
    expectError(await verify(api, { token: "t".repeat(17 * KiB) }), 413, "payload_too_large");
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    expectError(await login(api, secret, { rawBody: JSON.stringify({ padding: "p".repeat(17 * KiB) }) }), 413, "payload_too_large");
  });
});

describe("400 invalid_request on generate", () => {
  const rejected: Array<[string, (password: string) => string]> = [
    ["malformed JSON", (p) => `{"name": "x", "password": "${p}"`],
    ["a JSON array", (p) => JSON.stringify([{ name: "x", password: p }])],
    ["a JSON string", () => JSON.stringify("Power BI export")],
    ["a JSON number", () => "42"],
    ["JSON null", () => "null"],
    ["an unknown field", (p) => JSON.stringify({ name: "x", password: p, scope: "admin" })],
    ["a number as name", (p) => JSON.stringify({ name: 42, password: p })],
    ["null as name", (p) => JSON.stringify({ name: null, password: p })],
    ["an array as name", (p) => JSON.stringify({ name: ["x"], password: p })],
    ["no name", (p) => JSON.stringify({ password: p })],
    ["a number as password", () => JSON.stringify({ name: "x", password: 12345 })],
    ["an object as password", (p) => JSON.stringify({ name: "x", password: { value: p } })],
    ["an empty name", (p) => JSON.stringify({ name: "", password: p })],
    ["a white-space-only name", (p) => JSON.stringify({ name: " \t\u00a0 \u3000 ", password: p })],
    ["a 101-code-point name", (p) => JSON.stringify({ name: "a".repeat(101), password: p })],
    ["a 101-code-point name of astral characters", (p) => JSON.stringify({ name: "📊".repeat(101), password: p })],
    ["101 code points after trimming", (p) => JSON.stringify({ name: `  ${"b".repeat(101)}  `, password: p })],
    ["a BEL (\\u0007) in the name", (p) => JSON.stringify({ name: "Power\u0007BI", password: p })],
    ["a newline in the name", (p) => JSON.stringify({ name: "Power\nBI", password: p })],
    ["a NUL in the name", (p) => JSON.stringify({ name: "Power\u0000BI", password: p })],
    ["a DEL in the name", (p) => JSON.stringify({ name: "Power\u007fBI", password: p })],
    ["a C1 control (\\u0085) in the name", (p) => JSON.stringify({ name: "Power BI\u0085", password: p })],
    // JSON.stringify writes a lone surrogate as the escape `\ud800`, as a careless client would send it.
    ["a lone high surrogate (\\ud800) in the name", (p) => JSON.stringify({ name: "Power BI \ud800", password: p })],
    ["a lone low surrogate (\\udfff) as the name", (p) => JSON.stringify({ name: "\udfff", password: p })],
    ["a lone surrogate in the password", (p) => JSON.stringify({ name: "x", password: `${p}\ud800` })],
    ["a right-to-left override (U+202E) in the name", (p) => JSON.stringify({ name: "invoice\u202Efdp.exe", password: p })],
    ["a first-strong isolate (U+2068) in the name", (p) => JSON.stringify({ name: "\u2068Power BI\u2069", password: p })],
    ["a name of only zero width spaces", (p) => JSON.stringify({ name: "\u200B\u200B", password: p })],
    ["a name of only a byte order mark", (p) => JSON.stringify({ name: "\uFEFF", password: p })],
    ["a name of only a soft hyphen", (p) => JSON.stringify({ name: "\u00AD", password: p })],
    ["a name of only a Hangul filler", (p) => JSON.stringify({ name: "\u3164", password: p })],
  ];

  test("every malformed body is 400 and makes no token", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    for (const [label, body] of rejected) {
      const response = await rawGenerate(api, person, body(person.password));
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    expect((await list(api, person)).body.tokens).toEqual([]);
    // None of those was a password check: the right password still works (no lock, no count).
    expect((await generate(api, person)).status).toBe(201);
  });

  test("a body declared in a charset other than UTF-8 is 400 naming it; UTF-8, declared in any case or quoted, is read", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const body = (name: string) => JSON.stringify({ name, password: person.password });
    const refused: Array<[string, Buffer]> = [
      ["application/json; charset=latin1", Buffer.from(body("Zoë"), "latin1")],
      ["application/json; charset=utf-16", Buffer.from(`\ufeff${body("Zoë")}`, "utf16le")],
      ["application/json; charset=iso-8859-1", Buffer.from(body("Zoe"))], // even when the bytes happen to be ASCII
    ];
    for (const [contentType, bytes] of refused) {
      const response = await api.request("POST", tokensPath(person.orgId), {
        bearer: person.session,
        rawBody: bytes,
        headers: { "content-type": contentType },
      });
      expectError(response, 400, "invalid_request");
      expect(response.body.error.message, contentType).toMatch(/charset/);
    }
    // Undeclared latin1 is not UTF-8 either: refused, not stored with U+FFFD in place of the ë.
    const undeclared = await api.request("POST", tokensPath(person.orgId), {
      bearer: person.session,
      rawBody: Buffer.from(body("Zoë"), "latin1"),
      headers: { "content-type": "application/json" },
    });
    expectError(undeclared, 400, "invalid_request");
    expect(undeclared.body.error.message).toMatch(/UTF-8/);
    expect((await list(api, person)).body.tokens).toEqual([]);
    for (const contentType of ["application/json; charset=utf-8", "application/json; charset=UTF-8", 'application/json; charset="utf-8"']) {
      const response = await api.request("POST", tokensPath(person.orgId), {
        bearer: person.session,
        rawBody: Buffer.from(body("Zoë")),
        headers: { "content-type": contentType },
      });
      expect(response.status, `${contentType}: ${response.text}`).toBe(201);
      expect(response.body.token.name).toBe("Zoë");
    }
  });

  test("names of exactly 100 code points are accepted and stored exactly", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const names = ["a".repeat(100), "📊".repeat(100), "é".repeat(50) + "漢".repeat(50)];
    for (const name of names) {
      const created = await generate(api, person, { name, password: person.password });
      expect(created.status, created.text).toBe(201);
      expect(created.body.token.name).toBe(name);
    }
    const padded = await generate(api, person, { name: `  ${"c".repeat(100)}\t`, password: person.password });
    expect(padded.status, padded.text).toBe(201);
    expect(padded.body.token.name).toBe("c".repeat(100));
    expect((await list(api, person)).body.tokens.map((t) => t.name)).toEqual(["c".repeat(100), ...[...names].reverse()]);
  });
});

describe("403 invalid_password", () => {
  test("a wrong, a missing or an empty password", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    expectError(await generate(api, person, { name: "x", password: `${person.password}!` }), 403, "invalid_password");
    expectError(await generate(api, person, { name: "x", password: "" }), 403, "invalid_password");
    expectError(await generate(api, person, { name: "x" }), 403, "invalid_password");
    // Another person's password is wrong too.
    const other = await newPerson(api, { orgId: person.orgId });
    expectError(await generate(api, person, { name: "x", password: other.password }), 403, "invalid_password");
    expect((await list(api, person)).body.tokens).toEqual([]);
  });
});

describe("429 too_many_attempts", () => {
  const wrong = (person: Person) => generate(api(), person, { name: "x", password: `wrong-${randomUUID()}` });
  const right = (person: Person, orgId = person.orgId) => generate(api(), person, { name: "right", password: person.password }, orgId);
  const api = () => ctx.api;

  test("a successful identity-provider login does not reset the count", async () => {
    const person = await newPerson(api());
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    person.session = await api().signIn(person.email, person.password);
    expectError(await wrong(person), 403, "invalid_password");
    expectLocked(await right(person));
  });

  test("locked and a stranger: 403 forbidden wins over 429", async () => {
    const person = await newPerson(api());
    for (let i = 0; i < 5; i++) expectError(await wrong(person), 403, "invalid_password");
    const otherOrg = await newPerson(api());
    expectError(await right(person, otherOrg.orgId), 403, "forbidden");
    expectLocked(await right(person));
  });
});

describe("404 not_found on revoke", () => {
  test("an unknown token id, a malformed one, a secret in place of the id", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    for (const tokenId of [UNKNOWN_TOKEN_ID, "nope", "x".repeat(300), `${token.id}0`, token.id.slice(1), "..", secret]) {
      const response = await revoke(api, person, tokenId);
      expect.soft(response.status, tokenId).toBe(404);
      expectError(response, 404, "not_found");
    }
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([token.id]);
  });

  test("someone else's token is not_found, exactly like a token that does not exist", async () => {
    const { api } = ctx;
    const owner = await newPerson(api);
    const { token, secret } = await generateOk(api, owner);
    const colleague = await newPerson(api, { orgId: owner.orgId });

    const theirs = await revoke(api, colleague, token.id);
    const nobodys = await revoke(api, colleague, UNKNOWN_TOKEN_ID);
    expectError(theirs, 404, "not_found");
    expectError(nobodys, 404, "not_found");
    expect(theirs.body.error.message).toBe(nobodys.body.error.message);
    expect(theirs.text).not.toContain(token.id);
    expect(theirs.text).not.toContain(owner.userId);

    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
    expect((await list(api, owner)).body.tokens.map((t) => t.id)).toEqual([token.id]);
    expect((await list(api, colleague)).body.tokens).toEqual([]);
  });
});

describe("409 token_limit_reached", () => {
  test("the 11th active token is refused; revoking one frees a place", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const made = [];
    for (let i = 1; i <= 10; i++) made.push((await generateOk(api, person, `token ${i}`)).token);

    expectError(await generate(api, person, { name: "eleventh", password: person.password }), 409, "token_limit_reached");
    // Precedence: 400, 403 invalid_password come before 409.
    expectError(await generate(api, person, { name: "", password: person.password }), 400, "invalid_request");
    expectError(await generate(api, person, { name: "x", password: "wrong" }), 403, "invalid_password");
    expectError(await generate(api, person, { name: "x" }), 403, "invalid_password");
    expect((await list(api, person)).body.tokens).toHaveLength(10);

    expect((await revoke(api, person, made[4]!.id)).status).toBe(204);
    const eleventh = await generate(api, person, { name: "eleventh", password: person.password });
    expect(eleventh.status, eleventh.text).toBe(201);
    expectError(await generate(api, person, { name: "twelfth", password: person.password }), 409, "token_limit_reached");
    const listed = (await list(api, person)).body.tokens;
    expect(listed).toHaveLength(10);
    expect(listed.map((t) => t.name)).toContain("eleventh");
    expect(listed.map((t) => t.name)).not.toContain("token 5");
  });
});

describe("precedence of errors (API.md: 401, 403 forbidden, 413, 400, 429, 403 invalid_password, 404, 409)", () => {
  test("generate", async () => {
    const { api } = ctx;
    const member = await newPerson(api);
    const stranger = await newPerson(api, { orgId: member.orgId, member: false });
    const tooBig = JSON.stringify({ name: "x", password: "wrong", unknown: "u".repeat(17 * KiB) });

    // 401 before everything: no session, not a member, a bad body.
    expectError(
      await api.request("POST", tokensPath(member.orgId), { rawBody: "{not json", headers: { "content-type": "application/json" } }),
      401,
      "unauthenticated",
    );
    // 403 forbidden before 413 and 400.
    expectError(await rawGenerate(api, stranger, "{not json", member.orgId), 403, "forbidden");
    expectError(await rawGenerate(api, stranger, tooBig, member.orgId), 403, "forbidden");
    expectError(await rawGenerate(api, stranger, JSON.stringify({ unknown: 1 }), member.orgId), 403, "forbidden");
    // 413 before 400: too big, with unknown fields, or not even JSON.
    expectError(await rawGenerate(api, member, tooBig), 413, "payload_too_large");
    expectError(await rawGenerate(api, member, `{${"x".repeat(17 * KiB)}`), 413, "payload_too_large");
    // 400 before 403 invalid_password: a bad body with a wrong or missing password.
    expectError(await generate(api, member, { name: "", password: "wrong" }), 400, "invalid_request");
    expectError(await generate(api, member, { name: "x", password: "wrong", extra: true }), 400, "invalid_request");
    expectError(await generate(api, member, { name: "Power\u0007BI" }), 400, "invalid_request");
    expect((await list(api, member)).body.tokens).toEqual([]);
  });

  test("revoke", async () => {
    const { api } = ctx;
    const member = await newPerson(api);
    const stranger = await newPerson(api, { orgId: member.orgId, member: false });
    expectError(await api.request("DELETE", tokenPath(member.orgId, UNKNOWN_TOKEN_ID)), 401, "unauthenticated");
    expectError(await revoke(api, stranger, UNKNOWN_TOKEN_ID, member.orgId), 403, "forbidden");
    expectError(await revoke(api, stranger, "malformed id", member.orgId), 403, "forbidden");
    expectError(await revoke(api, member, UNKNOWN_TOKEN_ID), 404, "not_found");
  });
});

describe("unknown routes", () => {
  test("404 not_found with the error shape", async () => {
    const { api } = ctx;
    const requests: Array<[string, string]> = [
      ["GET", "/v1"],
      ["GET", "/v1/nope"],
      ["GET", "/v1/verify"],
      ["PUT", "/v1/orgs/acme/tokens"],
      ["POST", "/v1/orgs/acme/tokens/0000000000000000"],
      ["DELETE", "/v1/orgs/acme/tokens"],
      ["POST", "/v1/verify/extra"],
      ["GET", "/v2/orgs/acme/tokens"],
      // The local identity provider checks passwords only in-process: no route may answer "is this password right?".
      ["POST", "/local/idp/verify-password"],
    ];
    for (const [method, path] of requests) {
      const response = await api.request(method, path);
      expect.soft(response.status, `${method} ${path}`).toBe(404);
      expectError(response, 404, "not_found");
    }
  });
});

describe("the local identity provider is no password oracle", () => {
  test("no route answers whether a password is right (the service asks the provider in-process, behind its lock)", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    for (const password of [person.password, "wrong"]) {
      for (const path of ["/local/idp/verify-password", "/local/idp/verify-password/"]) {
        const response = await api.request("POST", path, { body: { userId: person.userId, password } });
        expectError(response, 404, "not_found");
      }
    }
    // Generate still checks it: wrong is 403, right is 201.
    expectError(await generate(api, person, { name: "x", password: "wrong" }), 403, "invalid_password");
    expect((await generate(api, person)).status).toBe(201);
  });
});

test("every error answer has its own requestId", async () => {
  const { api } = ctx;
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) {
    ids.add((await api.request("GET", tokensPath("acme"))).body.error.requestId);
    ids.add((await api.request("GET", "/v1/nope")).body.error.requestId);
    ids.add((await api.request("POST", "/v1/verify", { body: {} })).body.error.requestId);
  }
  expect(ids.size).toBe(15);
});
