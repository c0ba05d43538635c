/**
 * Every error of API.md's "Status codes and error codes" table that applies to the user-token routes, login
 * and verify, with the exact status, code and error shape, and the precedence of "When several apply".
 */
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import {
  USER_PREFIX,
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
  uniqueId,
  useLocalService,
  verify,
  type Person,
} from "./e2e-support.ts";
import { changeCharAt, isWellFormed, withValidChecksum } from "./token-forgery.ts";

const ctx = useLocalService();
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

type Route = { label: string; method: string; path: (orgId: string, tokenId: string) => string; body?: unknown };
const managementRoutes = (password: string): Route[] => [
  { label: "POST tokens", method: "POST", path: (o) => tokensPath(o), body: { name: "x", password } },
  { label: "GET tokens", method: "GET", path: (o) => tokensPath(o) },
  { label: "DELETE token", method: "DELETE", path: (o, t) => tokenPath(o, t) },
];

describe("401 unauthenticated on every management route", () => {
  test("no session, a garbage session, a tampered session, an API token as the session", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    const [header, payload, signature] = person.session.split(".");
    const tamperedSignature = `${header}.${payload}.${changeCharAt(signature!, 10)}`;
    const forgedPayload = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), sub: "someone-else" }),
    ).toString("base64url")}.${signature}`;

    const sessions: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["a garbage bearer", { authorization: "Bearer garbage" }],
      ["an empty bearer", { authorization: "Bearer " }],
      ["a Basic header", { authorization: `Basic ${Buffer.from(`${person.email}:${person.password}`).toString("base64")}` }],
      ["a bad signature", { authorization: `Bearer ${tamperedSignature}` }],
      ["a forged payload", { authorization: `Bearer ${forgedPayload}` }],
      ["the session without Bearer", { authorization: person.session }],
      ["an API token as the session", { authorization: `Bearer ${secret}` }],
    ];
    for (const route of managementRoutes(person.password)) {
      for (const [label, headers] of sessions) {
        const response = await api.request(route.method, route.path(person.orgId, token.id), {
          headers,
          ...(route.body ? { body: route.body } : {}),
        });
        expect.soft(response.status, `${route.label} with ${label}`).toBe(401);
        expectError(response, 401, "unauthenticated");
      }
    }
    // Nothing happened: still exactly one token, still valid.
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([token.id]);
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });
});

describe("403 forbidden", () => {
  test("a signed-in person who is not a member of the organization", async () => {
    const { api } = ctx;
    const member = await newPerson(api);
    const { token } = await generateOk(api, member);
    const stranger = await newPerson(api, { orgId: member.orgId, member: false });
    for (const route of managementRoutes(stranger.password)) {
      const response = await api.request(route.method, route.path(member.orgId, token.id), {
        bearer: stranger.session,
        ...(route.body ? { body: route.body } : {}),
      });
      expectError(response, 403, "forbidden");
    }
    expect((await list(api, member)).body.tokens.map((t) => t.id)).toEqual([token.id]);
  });

  test("a member of one organization on another organization's routes", async () => {
    const { api } = ctx;
    const inB = await newPerson(api);
    const { token } = await generateOk(api, inB);
    const inA = await newPerson(api);
    for (const route of managementRoutes(inA.password)) {
      const response = await api.request(route.method, route.path(inB.orgId, token.id), {
        bearer: inA.session,
        ...(route.body ? { body: route.body } : {}),
      });
      expectError(response, 403, "forbidden");
    }
    // An organization id that cannot exist at all is no different.
    expectError(await list(api, inA, "no such org!"), 403, "forbidden");
    expect((await list(api, inB)).body.tokens.map((t) => t.id)).toEqual([token.id]);
    expect((await list(api, inA)).body.tokens).toEqual([]);
  });
});

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
    expectError(
      await login(api, secret, { rawBody: JSON.stringify({ padding: "p".repeat(17 * KiB) }) }),
      413,
      "payload_too_large",
    );
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
      const response = await api.request("POST", tokensPath(person.orgId), { bearer: person.session, rawBody: bytes, headers: { "content-type": contentType } });
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
  const right = (person: Person, orgId = person.orgId) =>
    generate(api(), person, { name: "right", password: person.password }, orgId);
  const api = () => ctx.api;

  test("5 wrong passwords lock generation for 15 minutes; lists and revokes keep working", async () => {
    const person = await newPerson(api());
    const before = await generateOk(api(), person, "made before the lock");

    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    // A missing password counts as a failure too: this is the 5th.
    expectError(await generate(api(), person, { name: "x" }), 403, "invalid_password");

    expectLocked(await right(person));
    expectLocked(await wrong(person));
    expectLocked(await generate(api(), person, { name: "x" }));
    // Precedence: a bad body is still 400.
    expectError(await generate(api(), person, { name: "", password: person.password }), 400, "invalid_request");

    // Nothing else is locked.
    const listed = await list(api(), person);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((t) => t.id)).toEqual([before.token.id]);
    expect((await verify(api(), { token: before.secret })).body).toMatchObject({ valid: true });
    expect((await login(api(), before.secret)).status).toBe(200);
    expect((await revoke(api(), person, before.token.id)).status).toBe(204);

    // Still locked just before the 15 minutes are up ...
    await api().advanceClock(14 * 60);
    expectLocked(await right(person));
    // ... and free after them.
    await api().advanceClock(61);
    const after = await right(person);
    expect(after.status, after.text).toBe(201);
    expect((await list(api(), person)).body.tokens.map((t) => t.id)).toEqual([after.body.token.id]);

    // The success reset the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    expect((await right(person)).status).toBe(201);
  });

  // API.md "Status codes": the 429 "carries `Retry-After` (seconds)"; "Password throttling": the lock lasts
  // "15 minutes from the last failure". Waiting what it says is enough, and a little less is not.
  test("every 429 carries Retry-After: the whole seconds until the lock ends", async () => {
    const serverNow = async () => Date.parse((await api().request<{ now: string }>("GET", "/local/clock")).body.now);
    const person = await newPerson(api());
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    const beforeLastFailure = await serverNow();
    expectError(await wrong(person), 403, "invalid_password");
    const afterLastFailure = await serverNow();

    const beforeLocked = await serverNow();
    const seconds = expectLocked(await right(person));
    const afterLocked = await serverNow();
    // The lock ends 15 minutes after the last failure; Retry-After counts from the answer to that end.
    const LOCK = 15 * 60_000;
    expect(seconds).toBeGreaterThanOrEqual(Math.floor((beforeLastFailure + LOCK - afterLocked) / 1000));
    expect(seconds).toBeLessThanOrEqual(Math.ceil((afterLastFailure + LOCK - beforeLocked) / 1000));
    // A wrong or a missing password while locked is told the same end (it is not checked, nor counted).
    for (const response of [await wrong(person), await generate(api(), person, { name: "x" })]) {
      const again = expectLocked(response);
      expect(again).toBeLessThanOrEqual(seconds);
      expect(again).toBeGreaterThan(seconds - 10);
    }

    // Ten seconds before the end it is still locked, and Retry-After counts the rest down.
    await api().advanceClock(seconds - 10);
    const rest = expectLocked(await right(person));
    expect(rest).toBeLessThanOrEqual(10);
    // Waiting what Retry-After says is enough.
    await api().advanceClock(rest);
    const after = await right(person);
    expect(after.status, after.text).toBe(201);
  });

  test("a success resets the count: 4 wrong + 1 right + 4 wrong does not lock, 5 in a row does", async () => {
    const person = await newPerson(api());
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    expect((await right(person)).status).toBe(201);
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    expect((await right(person)).status).toBe(201);
    for (let i = 0; i < 5; i++) expectError(await wrong(person), 403, "invalid_password");
    expectLocked(await right(person));
  });

  test("failures count across organizations, and the lock covers every organization", async () => {
    const person = await newPerson(api());
    const orgB = uniqueId("org-b");
    await api().upsertMember({ orgId: orgB, userId: person.userId, name: person.name });
    for (let i = 0; i < 3; i++) expectError(await wrong(person), 403, "invalid_password");
    for (let i = 0; i < 2; i++) {
      expectError(await generate(api(), person, { name: "x", password: "wrong" }, orgB), 403, "invalid_password");
    }
    expectLocked(await right(person));
    expectLocked(await right(person, orgB));
  });

  test("a successful identity-provider login does not reset the count", async () => {
    const person = await newPerson(api());
    for (let i = 0; i < 4; i++) expectError(await wrong(person), 403, "invalid_password");
    person.session = await api().signIn(person.email, person.password);
    expectError(await wrong(person), 403, "invalid_password");
    expectLocked(await right(person));
  });

  // API.md "Password throttling": 5 failures "lock that person's token generation for 15 minutes from the last
  // failure: every generate then answers 429" (the lock is per person, across organizations; SSO organizations
  // only waive the password).
  test("the lock covers generates in SSO organizations too", async () => {
    const person = await newPerson(api());
    const ssoOrg = uniqueId("sso-org");
    await api().setSso(ssoOrg, true);
    await api().upsertMember({ orgId: ssoOrg, userId: person.userId, name: person.name });
    for (let i = 0; i < 5; i++) expectError(await wrong(person), 403, "invalid_password");
    expectLocked(await generate(api(), person, { name: "sso" }, ssoOrg));
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

describe("POST /v1/login", () => {
  test("no header, a malformed, unknown or revoked token, a session: 401 unauthenticated", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    const revoked = await generateOk(api, person, "to revoke");
    expect((await revoke(api, person, revoked.token.id)).status).toBe(204);
    const neverIssued = withValidChecksum(changeCharAt(secret, USER_PREFIX.length + 3));
    expect(isWellFormed(neverIssued)).toBe(true);

    const headers: Array<[string, Record<string, string>]> = [
      ["no Authorization header", {}],
      ["an empty bearer", { authorization: "Bearer " }],
      ["a token without Bearer", { authorization: secret }],
      ["Basic", { authorization: `Basic ${Buffer.from(`x:${secret}`).toString("base64")}` }],
      ["a malformed token", { authorization: "Bearer atk_user_notatoken" }],
      ["a truncated token", { authorization: `Bearer ${secret.slice(0, -1)}` }],
      ["a changed character", { authorization: `Bearer ${changeCharAt(secret, secret.length - 10)}` }],
      ["a never-issued token", { authorization: `Bearer ${neverIssued}` }],
      ["a revoked token", { authorization: `Bearer ${revoked.secret}` }],
      ["a session (ID token)", { authorization: `Bearer ${person.session}` }],
      ["two tokens", { authorization: `Bearer ${secret} ${secret}` }],
    ];
    for (const [label, header] of headers) {
      const response = await api.request("POST", "/v1/login", { headers: header });
      expect.soft(response.status, label).toBe(401);
      expectError(response, 401, "unauthenticated");
    }
    expect((await login(api, secret)).body).toEqual({ orgId: person.orgId, user: { id: person.userId, name: person.name } });
    expect((await list(api, person)).body.tokens.map((t) => t.id)).toEqual([token.id]);
  });

  test("accepts no body or {}, but a body with a field (or not an object) is 400", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const expected = { orgId: person.orgId, user: { id: person.userId, name: person.name } };

    const noBody = await login(api, secret);
    expect(noBody.status, noBody.text).toBe(200);
    expect(noBody.body).toEqual(expected);
    const empty = await login(api, secret, { body: {} });
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual(expected);

    expectError(await login(api, secret, { body: { orgId: person.orgId } }), 400, "invalid_request");
    expectError(await login(api, secret, { body: [] }), 400, "invalid_request");
    expectError(
      await api.request("POST", "/v1/login", { bearer: secret, rawBody: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
  });

  // API.md "When several apply, the first in this order wins: 401 `unauthenticated`, 403 `forbidden`, 413,
  // 400 `invalid_request`, ...": without a valid token the answer is 401 whatever the body.
  test("no token and a body with a field: 401 wins over 400", async () => {
    const { api } = ctx;
    expectError(await login(api, undefined, { body: { orgId: "x" } }), 401, "unauthenticated");
  });

  // The same for 413: 401 `unauthenticated` comes before 413.
  test("no token and a body over 16 KiB: 401 wins over 413", async () => {
    const { api } = ctx;
    expectError(
      await login(api, "atk_user_notatoken", { rawBody: JSON.stringify({ p: "p".repeat(17 * KiB) }) }),
      401,
      "unauthenticated",
    );
  });
});

describe("POST /v1/verify", () => {
  test("a request that is not { token: string, orgId?: string } is 400", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const bodies: Array<[string, unknown]> = [
      ["no token field", {}],
      ["only orgId", { orgId: person.orgId }],
      ["a number as token", { token: 5 }],
      ["null as token", { token: null }],
      ["an array as token", { token: [secret] }],
      ["an object as token", { token: { secret } }],
      ["a number as orgId", { token: secret, orgId: 5 }],
      ["an unknown field", { token: secret, kind: "user" }],
      ["a JSON array", [{ token: secret }]],
      ["a JSON string", secret],
    ];
    for (const [label, body] of bodies) {
      const response = await api.request("POST", "/v1/verify", { body });
      expect.soft(response.status, label).toBe(400);
      expectError(response, 400, "invalid_request");
    }
    expectError(
      await api.request("POST", "/v1/verify", { rawBody: `{"token": "${secret}"`, headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expectError(await api.request("POST", "/v1/verify"), 400, "invalid_request");
  });

  test("malformed tokens: wrong prefix, one changed character, truncated, empty, too long", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const body = secret.slice(USER_PREFIX.length);
    const malformed: Array<[string, string]> = [
      ["empty string", ""],
      ["only the prefix", USER_PREFIX],
      ["no prefix", body],
      ["the service-user prefix, same checksum", `atk_svc_${body}`],
      ["an unknown prefix", `atk_bot_${body}`],
      ["an upper-case prefix", `ATK_USER_${body}`],
      ["one changed character in the id", changeCharAt(secret, USER_PREFIX.length + 1)],
      ["one changed character in the secret part", changeCharAt(secret, secret.length - 12)],
      ["one changed character in the checksum", changeCharAt(secret, secret.length - 1)],
      ["truncated by one", secret.slice(0, -1)],
      ["truncated by half", secret.slice(0, Math.floor(secret.length / 2))],
      ["one character too many", `${secret}0`],
      ["surrounding white space", ` ${secret} `],
      ["a non-base62 character", `${secret.slice(0, -8)}-${secret.slice(-7)}`],
      ["far too long", `${secret}${"A".repeat(5000)}`],
      ["a session", person.session],
    ];
    for (const [label, token] of malformed) {
      expect.soft(isWellFormed(token), label).toBe(false);
      const response = await verify(api, { token });
      expect.soft(response.status, label).toBe(200);
      expect.soft(response.body, label).toEqual({ valid: false, reason: "malformed" });
      // With an orgId too: malformed comes first.
      expect.soft((await verify(api, { token, orgId: "another-org" })).body, label).toEqual({ valid: false, reason: "malformed" });
    }
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });

  test("a well-formed token with a valid checksum that was never issued is not_found", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { secret } = await generateOk(api, person);
    const body = secret.slice(USER_PREFIX.length);
    const forged: Array<[string, string]> = [
      ["another id", withValidChecksum(changeCharAt(secret, USER_PREFIX.length + 2))],
      ["the real id with another secret part", withValidChecksum(changeCharAt(secret, secret.length - 12))],
      ["the real id and secret under the service-user prefix", withValidChecksum(`atk_svc_${body}`)],
      ["all zeros", withValidChecksum(`${USER_PREFIX}${"0".repeat(body.length)}`)],
    ];
    for (const [label, token] of forged) {
      expect(isWellFormed(token), label).toBe(true);
      expect.soft((await verify(api, { token })).body, label).toEqual({ valid: false, reason: "not_found" });
      // not_found comes before wrong_org.
      expect.soft((await verify(api, { token, orgId: "another-org" })).body, label).toEqual({ valid: false, reason: "not_found" });
      expectError(await login(api, token), 401, "unauthenticated");
    }
    expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
  });

  test("wrong_org comes before revoked", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { token, secret } = await generateOk(api, person);
    expect((await revoke(api, person, token.id)).status).toBe(204);
    expect((await verify(api, { token: secret, orgId: uniqueId("elsewhere") })).body).toEqual({ valid: false, reason: "wrong_org" });
    expect((await verify(api, { token: secret, orgId: person.orgId })).body).toEqual({ valid: false, reason: "revoked" });
  });
});

describe("unknown routes", () => {
  test("404 not_found with the error shape", async () => {
    const { api } = ctx;
    const requests: Array<[string, string]> = [
      ["GET", "/"],
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
