/**
 * The 10-token limit under contention, end to end (API.md: "Contention alone never gives 503: concurrent
 * generates each end in 201 or 409"): the HTTP smoke of a rule the domain proves in
 * test/integration/user-tokens.test.ts (and store-failures.test.ts with injected transaction conflicts).
 */
import { describe, expect, test } from "vitest";

import { expectError, generate, list, newPerson, revoke, useSharedLocalService, verify, countStatuses } from "./e2e-support.ts";

const ctx = useSharedLocalService();

describe("the token limit under contention", () => {
  test("50 simultaneous generates for one person: exactly 10 × 201 and 40 × 409; after 2 revokes, 2 more", async () => {
    const { api } = ctx;
    const person = await newPerson(api);

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => generate(api, person, { name: `concurrent ${i}`, password: person.password })),
    );
    expect(countStatuses(responses)).toEqual({ 201: 10, 409: 40 });
    for (const response of responses.filter((r) => r.status === 409)) expectError(response, 409, "token_limit_reached");
    const createdIds = responses.filter((r) => r.status === 201).map((r) => r.body.token.id);
    expect(new Set(createdIds).size).toBe(10);

    const listed = await list(api, person);
    expect(listed.body.tokens).toHaveLength(10);
    expect(new Set(listed.body.tokens.map((t) => t.id))).toEqual(new Set(createdIds));
    // Every token that was answered 201 works.
    for (const response of responses.filter((r) => r.status === 201)) {
      expect((await verify(api, { token: response.body.secret })).body).toMatchObject({ valid: true, tokenId: response.body.token.id });
    }

    for (const id of createdIds.slice(0, 2)) expect((await revoke(api, person, id)).status).toBe(204);
    const three = await Promise.all([1, 2, 3].map((i) => generate(api, person, { name: `after revoke ${i}`, password: person.password })));
    expect(countStatuses(three)).toEqual({ 201: 2, 409: 1 });
    expectError(three.find((r) => r.status === 409)!, 409, "token_limit_reached");

    const final = (await list(api, person)).body.tokens;
    expect(final).toHaveLength(10);
    expect(final.map((t) => t.id)).not.toContain(createdIds[0]);
    expect(final.map((t) => t.id)).not.toContain(createdIds[1]);
  });
});
