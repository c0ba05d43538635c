/** The local server serves the API's OpenAPI document at GET /openapi.json, unauthenticated, as committed. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { newPerson, useSharedLocalService } from "./e2e-support.ts";

const ctx = useSharedLocalService();

test("GET /openapi.json answers docs/openapi.json without a session", async () => {
  const response = await ctx.api.request("GET", "/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.body).toEqual(JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")));
});

test("the typed client (openapi-fetch, types from the document) generates, lists and revokes a token", async () => {
  const { typed } = ctx.api;
  const person = await newPerson(ctx.api);
  const auth = { headers: { authorization: `Bearer ${person.session}` } };
  const path = { orgId: person.orgId };

  const created = await typed.POST("/v1/orgs/{orgId}/tokens", {
    params: { path },
    body: { name: "Typed client", password: person.password },
    ...auth,
  });
  expect(created.response.status).toBe(201);
  const token = created.data!.token;
  expect(token.name).toBe("Typed client");

  const listed = await typed.GET("/v1/orgs/{orgId}/tokens", { params: { path }, ...auth });
  expect(listed.data!.tokens.map((t) => t.id)).toEqual([token.id]);

  const verified = await typed.POST("/v1/verify", { body: { token: created.data!.secret } });
  expect(verified.data).toMatchObject({ valid: true, tokenId: token.id });

  const revoked = await typed.DELETE("/v1/orgs/{orgId}/tokens/{tokenId}", { params: { path: { ...path, tokenId: token.id } }, ...auth });
  expect(revoked.response.status).toBe(204);

  const again = await typed.DELETE("/v1/orgs/{orgId}/tokens/{tokenId}", { params: { path: { ...path, tokenId: token.id } }, ...auth });
  expect(again.response.status).toBe(404);
  expect(again.error).toMatchObject({ error: { code: "not_found" } });
});
