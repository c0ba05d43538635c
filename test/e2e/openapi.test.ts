/** The local server serves the API's OpenAPI document at GET /openapi.json, unauthenticated, as committed. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { useSharedLocalService } from "./e2e-support.ts";

const ctx = useSharedLocalService();

test("GET /openapi.json answers docs/openapi.json without a session", async () => {
  const response = await ctx.api.request("GET", "/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.body).toEqual(JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")));
});
