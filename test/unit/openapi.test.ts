/**
 * docs/openapi.json is generated (`npm run openapi`, docs/generate-openapi.ts) from infra/routes.ts and the contract's
 * schemas. It is committed so clients and reviewers can read it: this test regenerates it in memory and fails
 * when the committed file is stale, and checks that it describes every route of the table and no local one.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { operations } from "../../functions/platform/http/contract.ts";
import { routes } from "../../infra/routes.ts";
import {
  CLIENT_TYPES_PATH,
  OPENAPI_PATH,
  REFERENCE_PATH,
  buildClientTypes,
  buildOpenApiDocument,
  serializeDocument,
} from "../../docs/generate-openapi.ts";
import { buildMarkdownReference } from "../../docs/openapi-markdown.ts";
import { SUCCESS_EXAMPLES } from "../../docs/openapi-text.ts";

const document = buildOpenApiDocument() as { paths: Record<string, Record<string, { operationId: string; responses: object }>> };

describe("docs/openapi.json", () => {
  test("is what `npm run openapi` generates now (run it and commit the file when this fails)", () => {
    expect(readFileSync(OPENAPI_PATH, "utf8")).toBe(serializeDocument(document));
  });

  test("the typed client's types (web/src/api/openapi-types.ts) are generated from it now", async () => {
    expect(readFileSync(CLIENT_TYPES_PATH, "utf8")).toBe(await buildClientTypes(document));
  });

  test("the Markdown reference (docs/api-reference.md) is rendered from it now, with every operation", () => {
    const reference = buildMarkdownReference(document);
    expect(readFileSync(REFERENCE_PATH, "utf8")).toBe(reference);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) expect(reference, `${method} ${path}`).toContain(`### \`${method.toUpperCase()} ${path}\``);
    }
  });

  test("describes every route of infra/routes.ts, GET /v1/me, and no /local route (only /v1/ and the document itself)", () => {
    for (const route of routes) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    expect(document.paths["/v1/me"]?.get).toBeDefined();
    expect(Object.keys(document.paths).filter((path) => !path.startsWith("/v1/"))).toEqual(["/openapi.json"]);
  });

  test("every success example is a body its schema accepts", () => {
    for (const [operation, example] of Object.entries(SUCCESS_EXAMPLES)) {
      const contract = operations[operation as keyof typeof operations];
      expect("response" in contract && contract.response.safeParse(example).success, operation).toBe(true);
    }
  });
});
