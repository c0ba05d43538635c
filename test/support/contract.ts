/**
 * The contract check of every HTTP test: each response the e2e client (test/support/api-client.ts) receives on a
 * path docs/openapi.json documents must have a status documented for that operation, and a body its schema
 * accepts (JSON Schema 2020-12, as OpenAPI 3.1 uses, with formats). Requests the document does not describe
 * (the local-only routes, unknown routes and methods, which the tests send on purpose) are not checked.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

type Response = { content?: Record<string, unknown> };
type Operation = { responses: Record<string, Response | { $ref: string }> };
type Document = { paths: Record<string, Record<string, Operation>>; components?: { responses?: Record<string, Response> } };

const RESPONSE_REF = "#/components/responses/";

const DOCUMENT_ID = "openapi.json";
// ajv-formats is CommonJS: its default export is the plugin, or the plugin's module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

export class ContractChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(private readonly document: Document) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, DOCUMENT_ID);
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, "[^/]+")}/?$`),
    }));
  }

  static fromFile(path = new URL("../../docs/openapi.json", import.meta.url)): ContractChecker {
    return new ContractChecker(JSON.parse(readFileSync(path, "utf8")) as Document);
  }

  /** The operation a request addresses, or undefined when the document does not describe it. */
  private operation(method: string, path: string): { template: string; operation: Operation } | undefined {
    const pathname = new URL(path, "http://contract.invalid").pathname;
    for (const { template, pattern } of this.templates) {
      if (!pattern.test(pathname)) continue;
      const operation = this.document.paths[template]?.[method.toLowerCase()];
      if (operation) return { template, operation };
    }
    return undefined;
  }

  /** What is wrong with this response by the document: nothing (undefined), or a sentence naming it. */
  check(method: string, path: string, status: number, text: string): string | undefined {
    const found = this.operation(method, path);
    if (!found) return undefined;
    const where = `${method.toUpperCase()} ${found.template} → ${status}`;
    const documented = found.operation.responses[String(status)];
    if (!documented) return `${where}: status not documented (documented: ${Object.keys(found.operation.responses).join(", ")})`;
    // A response shared by many operations is written once under components.responses.
    const shared = "$ref" in documented ? (documented.$ref as string).slice(RESPONSE_REF.length) : undefined;
    const response = shared === undefined ? (documented as Response) : this.document.components?.responses?.[shared];
    if (!response) return `${where}: the document refers to a response it does not have (${JSON.stringify(documented)})`;
    if (!response.content)
      return text === "" ? undefined : `${where}: documented without a body, got ${JSON.stringify(text.slice(0, 200))}`;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${where}: the body is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
    }
    const pointer =
      shared === undefined
        ? `#/paths/${escapePointer(found.template)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`
        : `${RESPONSE_REF}${escapePointer(shared)}/content/application~1json/schema`;
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}${formatParams(error.params)}`);
    return `${where}: the body does not match the document: ${errors.slice(0, 8).join("; ")}; body ${text.slice(0, 500)}`;
  }
}

const escapePointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");
const formatParams = (params: Record<string, unknown>) => {
  const interesting = params.additionalProperty ?? params.allowedValues ?? params.missingProperty;
  return interesting === undefined ? "" : ` (${JSON.stringify(interesting)})`;
};

let shared: ContractChecker | undefined;
/** One checker per test process: docs/openapi.json is read and compiled once. */
export const contract = (): ContractChecker => {
  shared ??= ContractChecker.fromFile();
  return shared;
};
