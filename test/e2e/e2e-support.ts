/**
 * Shared set-up for the HTTP end-to-end tests: one real local server per test file (its own process, its own
 * fresh table in the run's DynamoDB Local), unique organizations and people per test, and the assertions
 * every test repeats (the error shape of API.md "Conventions", the `Token` shape of "User API tokens").
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { ApiClient, type ApiResponse } from "../support/api-client.ts";
import { startLocalService, type LocalService } from "../support/local-service.ts";
import { createTestTable } from "../support/table.ts";

export const DAY_SECONDS = 86_400;
export const THIRTY_DAYS_MS = 30 * DAY_SECONDS * 1000;
export const USER_PREFIX = "atk_user_";

export interface E2eContext {
  readonly api: ApiClient;
  readonly service: LocalService;
}

/** Starts the local server in `beforeAll` (fresh table) and stops it in `afterAll`. */
export function useLocalService(): E2eContext {
  let api: ApiClient | undefined;
  let service: LocalService | undefined;
  beforeAll(async () => {
    const table = await createTestTable("e2e");
    table.documentClient.destroy();
    service = await startLocalService({ dynamoDbEndpoint: table.endpoint, tableName: table.tableName });
    api = new ApiClient(service.url);
  });
  afterAll(async () => {
    api?.events.destroy();
    await service?.stop();
  });
  return {
    get api() {
      if (!api) throw new Error("the local service is not running (beforeAll failed?)");
      return api;
    },
    get service() {
      if (!service) throw new Error("the local service is not running (beforeAll failed?)");
      return service;
    },
  };
}

/** An id that no other test (or run) uses: organizations and people never collide. */
export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`;

export interface Person {
  readonly orgId: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly password: string;
  /** A session (ID token) from the local identity provider. */
  session: string;
}

export interface MemberAccess {
  permissions?: string[];
  groups?: string[];
  sites?: string[];
}

/**
 * A person as the platform makes one: a `User Upserted` event through EventBridge (unless `member: false`),
 * then a sign-up and sign-in at the local identity provider.
 */
export async function newPerson(
  api: ApiClient,
  options: { orgId?: string; userId?: string; name?: string; password?: string; member?: boolean } & MemberAccess = {},
): Promise<Person> {
  const orgId = options.orgId ?? uniqueId("org");
  const userId = options.userId ?? uniqueId("user");
  const name = options.name ?? `Person ${userId}`;
  const password = options.password ?? `pw-${randomUUID()}`;
  if (options.member !== false) {
    await api.upsertMember({
      orgId,
      userId,
      name,
      permissions: options.permissions ?? [],
      groups: options.groups ?? [],
      sites: options.sites ?? [],
    });
  }
  const session = await api.signUp(userId, password);
  return { orgId, userId, email: `${userId}@example.com`, name, password, session };
}

export const tokensPath = (orgId: string) => `/v1/orgs/${encodeURIComponent(orgId)}/tokens`;
export const tokenPath = (orgId: string, tokenId: string) => `${tokensPath(orgId)}/${encodeURIComponent(tokenId)}`;

export interface TokenView {
  id: string;
  name: string;
  kind: "user" | "service_user";
  ownerId: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  hint: string;
}
export interface Created {
  token: TokenView;
  secret: string;
}

export function generate(
  api: ApiClient,
  person: Person,
  body: Record<string, unknown> = { name: "A token", password: person.password },
  orgId = person.orgId,
): Promise<ApiResponse<Created>> {
  return api.request<Created>("POST", tokensPath(orgId), { bearer: person.session, body });
}

/** Generates and insists on 201: for tests whose subject is something else. */
export async function generateOk(api: ApiClient, person: Person, name = "A token", orgId = person.orgId): Promise<Created> {
  const response = await generate(api, person, { name, password: person.password }, orgId);
  if (response.status !== 201) throw new Error(`generate answered ${response.status}: ${response.text}`);
  return response.body;
}

export const list = (api: ApiClient, person: Person, orgId = person.orgId) =>
  api.request<{ tokens: TokenView[] }>("GET", tokensPath(orgId), { bearer: person.session });

export const revoke = (api: ApiClient, person: Person, tokenId: string, orgId = person.orgId) =>
  api.request("DELETE", tokenPath(orgId, tokenId), { bearer: person.session });

export const verify = (api: ApiClient, body: Record<string, unknown>) => api.request("POST", "/v1/verify", { body });

export const login = (
  api: ApiClient,
  token: string | undefined,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) =>
  api.request("POST", "/v1/login", { ...(token === undefined ? {} : { bearer: token }), ...options });

/** API.md "Conventions": exact status and code, a non-empty message and a requestId, nothing else. */
export function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.error?.code }, response.text).toEqual({ status, code });
  expect(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  expect(response.body).toEqual({
    error: { code, message: expect.any(String), requestId: expect.any(String) },
  });
  expect(response.body.error.message.trim().length).toBeGreaterThan(0);
  expect(response.body.error.requestId.trim().length).toBeGreaterThan(0);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** API.md `Token`, exactly these fields, for a freshly generated user token. */
export function expectNewUserToken(created: Created, expected: { name: string; ownerId: string }): void {
  const { token, secret } = created;
  expect(Object.keys(created).sort()).toEqual(["secret", "token"]);
  expect(Object.keys(token).sort()).toEqual(
    ["createdAt", "expiresAt", "hint", "id", "kind", "lastUsedAt", "name", "ownerId"].sort(),
  );
  expect(token).toMatchObject({ name: expected.name, kind: "user", ownerId: expected.ownerId, lastUsedAt: null });
  expect(typeof token.id).toBe("string");
  expect(token.id.length).toBeGreaterThan(0);
  expect(token.createdAt).toMatch(ISO_UTC);
  expect(token.expiresAt).toMatch(ISO_UTC);
  expect(Math.abs(Date.parse(token.expiresAt) - Date.parse(token.createdAt) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
  // Prefix of the kind, then base62 carrying ≥128 random bits (≥ 22 characters) and a 6-character checksum.
  expect(secret).toMatch(/^atk_user_[0-9A-Za-z]{28,}$/);
  expect(token.hint).toBe(secret.slice(-4));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
