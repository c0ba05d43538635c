/**
 * Shared set-up for the HTTP end-to-end tests: a real local server (the run's shared one, or the file's own
 * process with its own fresh table in the run's DynamoDB Local), unique organizations and people per test, and the assertions
 * every test repeats (the error shape of API.md "Conventions", the `Token` shape of "User API tokens").
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { ApiClient, type ApiResponse } from "../support/api-client.ts";
import { startLocalService, type LocalService } from "../support/local-service.ts";
import { sharedLocalServiceUrl } from "../support/shared-local-service.ts";
import { createTestTable } from "../support/table.ts";

export const DAY_SECONDS = 86_400;
export const THIRTY_DAYS_MS = 30 * DAY_SECONDS * 1000;
export const USER_PREFIX = "atk_user_";

export interface E2eContext {
  readonly api: ApiClient;
  readonly service: LocalService;
}

/**
 * The file's own local server, started in `beforeAll` (fresh table) and stopped in `afterAll`: for files that
 * move the server's clock (POST /local/clock moves it for everyone on that server), read its output, or need a
 * fresh start. Every other file uses `useSharedLocalService()`.
 */
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

/** A client of the shared server: it may not move the clock, which every other file on that server reads. */
class SharedServerClient extends ApiClient {
  override async advanceClock(): Promise<string> {
    throw new Error("this file shares the run's local server: moving its clock would move it for every file; use useLocalService()");
  }
}

/**
 * The run's shared local server (see test/support/shared-local-service.ts): no start-up cost per file. Tests
 * stay isolated by their unique organization and person ids, and never move the clock. When the run started
 * no shared server (its filters named no e2e file), the file starts its own.
 */
export function useSharedLocalService(): Omit<E2eContext, "service"> {
  const stateFile = inject("sharedLocalServiceFile");
  if (!stateFile) {
    const own = useLocalService();
    let client: SharedServerClient | undefined;
    afterAll(() => client?.events.destroy());
    return {
      get api() {
        client ??= new SharedServerClient(own.service.url);
        return client;
      },
    };
  }
  let api: ApiClient | undefined;
  beforeAll(async () => {
    api = new SharedServerClient(await sharedLocalServiceUrl(stateFile));
  });
  afterAll(() => api?.events.destroy());
  return {
    get api() {
      if (!api) throw new Error("the shared local service is not running (beforeAll failed?)");
      return api;
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
) => api.request("POST", "/v1/login", { ...(token === undefined ? {} : { bearer: token }), ...options });

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

/**
 * API.md: 429 `too_many_attempts` carries `Retry-After`, whole seconds until the lock ends (the lock lasts
 * 15 minutes from the last failure). Returns them.
 */
export function expectLocked(response: ApiResponse): number {
  expectError(response, 429, "too_many_attempts");
  const retryAfter = response.headers.get("retry-after");
  expect(retryAfter, "Retry-After").toMatch(/^[1-9][0-9]*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);
  return Number(retryAfter);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** API.md `Token`, exactly these fields, for a freshly generated token of `kind`, and its secret. */
function expectNewToken(created: Created, expected: { name: string; ownerId: string; kind: "user" | "service_user" }): void {
  const { token, secret } = created;
  expect(Object.keys(created).sort()).toEqual(["secret", "token"]);
  expect(Object.keys(token).sort()).toEqual(["createdAt", "expiresAt", "hint", "id", "kind", "lastUsedAt", "name", "ownerId"].sort());
  expect(token).toMatchObject({ name: expected.name, kind: expected.kind, ownerId: expected.ownerId, lastUsedAt: null });
  expect(typeof token.id).toBe("string");
  expect(token.id.length).toBeGreaterThan(0);
  expect(token.createdAt).toMatch(ISO_UTC);
  expect(token.expiresAt).toMatch(ISO_UTC);
  expect(Math.abs(Date.parse(token.expiresAt) - Date.parse(token.createdAt) - THIRTY_DAYS_MS)).toBeLessThanOrEqual(1000);
  // Prefix of the kind, then base62 carrying ≥128 random bits (≥ 22 characters) and a 6-character checksum.
  expect(secret).toMatch(expected.kind === "user" ? /^atk_user_[0-9A-Za-z]{28,}$/ : /^atk_svc_[0-9A-Za-z]{28,}$/);
  expect(token.hint).toBe(secret.slice(-4));
}

export const expectNewUserToken = (created: Created, expected: { name: string; ownerId: string }) =>
  expectNewToken(created, { ...expected, kind: "user" });

/** Statuses of simultaneous requests, counted: `{ 201: 10, 409: 40 }`. */
export const countStatuses = (responses: Array<{ status: number }>) => {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- Admin routes (API.md "Service users and their tokens", "Organization-wide view", "Activity") ------------

export const ADMIN_PERMISSION = "api-tokens:admin";
export const SERVICE_USER_PREFIX = "atk_svc_";

const orgPath = (orgId: string) => `/v1/orgs/${encodeURIComponent(orgId)}`;
export const serviceUsersPath = (orgId: string) => `${orgPath(orgId)}/service-users`;
export const serviceUserPath = (orgId: string, serviceUserId: string) => `${serviceUsersPath(orgId)}/${encodeURIComponent(serviceUserId)}`;
export const serviceUserTokensPath = (orgId: string, serviceUserId: string) => `${serviceUserPath(orgId, serviceUserId)}/tokens`;
export const serviceUserTokenPath = (orgId: string, serviceUserId: string, tokenId: string) =>
  `${serviceUserTokensPath(orgId, serviceUserId)}/${encodeURIComponent(tokenId)}`;
export const adminTokensPath = (orgId: string) => `${orgPath(orgId)}/admin/tokens`;
export const adminTokenPath = (orgId: string, tokenId: string) => `${adminTokensPath(orgId)}/${encodeURIComponent(tokenId)}`;
export const activityPath = (orgId: string) => `${orgPath(orgId)}/activity`;

/** `path?limit=…&cursor=…`, leaving out what is undefined. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** API.md `ServiceUser`. */
export interface ServiceUserView {
  id: string;
  name: string;
  permissions: string[];
  createdAt: string;
  createdBy: string;
  activeTokenCount: number;
}
export type AdminTokenView = TokenView & { ownerName: string };
export interface ActivityEvent {
  at: string;
  action: string;
  actor: { type: "user" | "service_user" | "system"; id: string; name: string };
  tokenId?: string;
  detail?: Record<string, unknown>;
}

/** A member holding `api-tokens:admin` (and any other permissions given). */
export function newAdmin(api: ApiClient, options: Parameters<typeof newPerson>[1] = {}): Promise<Person> {
  return newPerson(api, { ...options, permissions: [ADMIN_PERMISSION, ...(options.permissions ?? [])] });
}

export const createServiceUser = (api: ApiClient, admin: Person, body: unknown, orgId = admin.orgId) =>
  api.request<{ serviceUser: ServiceUserView }>("POST", serviceUsersPath(orgId), { bearer: admin.session, body });

export async function createServiceUserOk(
  api: ApiClient,
  admin: Person,
  name = "A service user",
  permissions: string[] = [],
  orgId = admin.orgId,
): Promise<ServiceUserView> {
  const response = await createServiceUser(api, admin, { name, permissions }, orgId);
  if (response.status !== 201) throw new Error(`create service user answered ${response.status}: ${response.text}`);
  return response.body.serviceUser;
}

export const generateServiceUserToken = (
  api: ApiClient,
  admin: Person,
  serviceUserId: string,
  body: unknown = { name: "A service-user token" },
  orgId = admin.orgId,
) => api.request<Created>("POST", serviceUserTokensPath(orgId, serviceUserId), { bearer: admin.session, body });

export async function generateServiceUserTokenOk(
  api: ApiClient,
  admin: Person,
  serviceUserId: string,
  name = "A service-user token",
  orgId = admin.orgId,
): Promise<Created> {
  const response = await generateServiceUserToken(api, admin, serviceUserId, { name }, orgId);
  if (response.status !== 201) throw new Error(`generate service-user token answered ${response.status}: ${response.text}`);
  return response.body;
}

export const listServiceUsers = (
  api: ApiClient,
  admin: Person,
  query: { limit?: number | string; cursor?: string } = {},
  orgId = admin.orgId,
) =>
  api.request<{ serviceUsers: ServiceUserView[]; serviceTokens: { active: number; limit: number }; nextCursor: string | null }>(
    "GET",
    withQuery(serviceUsersPath(orgId), query),
    {
      bearer: admin.session,
    },
  );

export const listServiceUserTokens = (api: ApiClient, admin: Person, serviceUserId: string, orgId = admin.orgId) =>
  api.request<{ tokens: TokenView[] }>("GET", serviceUserTokensPath(orgId, serviceUserId), { bearer: admin.session });

export const listOrganizationTokens = (
  api: ApiClient,
  admin: Person,
  query: { limit?: number | string; cursor?: string } = {},
  orgId = admin.orgId,
) =>
  api.request<{ tokens: AdminTokenView[]; nextCursor: string | null }>("GET", withQuery(adminTokensPath(orgId), query), {
    bearer: admin.session,
  });

export const listActivity = (
  api: ApiClient,
  admin: Person,
  query: { limit?: number | string; cursor?: string } = {},
  orgId = admin.orgId,
) =>
  api.request<{ events: ActivityEvent[]; nextCursor: string | null }>("GET", withQuery(activityPath(orgId), query), {
    bearer: admin.session,
  });

/**
 * Follows `nextCursor` from the first page to the one whose `nextCursor` is null, insisting on 200 for each.
 * Returns every item and every page (so a test can look at the page sizes and cursors).
 */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<ApiResponse<Record<string, unknown> & { nextCursor: string | null }>>,
  itemsKey: string,
  maxPages = 100,
): Promise<{ items: T[]; pages: Array<{ items: T[]; nextCursor: string | null }> }> {
  const pages: Array<{ items: T[]; nextCursor: string | null }> = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const response = await fetchPage(cursor);
    if (response.status !== 200) throw new Error(`page ${i + 1} answered ${response.status}: ${response.text}`);
    const page = { items: response.body[itemsKey] as T[], nextCursor: response.body.nextCursor };
    pages.push(page);
    if (page.nextCursor === null) return { items: pages.flatMap((p) => p.items), pages };
    cursor = page.nextCursor;
  }
  throw new Error(`more than ${maxPages} pages`);
}

export const expectNewServiceUserToken = (created: Created, expected: { name: string; ownerId: string }) => {
  expectNewToken(created, { ...expected, kind: "service_user" });
  expect(created.secret.startsWith(USER_PREFIX)).toBe(false);
};

/** API.md `ServiceUser`, exactly these fields. */
export function expectServiceUserShape(serviceUser: ServiceUserView): void {
  expect(Object.keys(serviceUser).sort()).toEqual(["activeTokenCount", "createdAt", "createdBy", "id", "name", "permissions"]);
  expect(typeof serviceUser.id).toBe("string");
  expect(serviceUser.id.length).toBeGreaterThan(0);
  expect(serviceUser.createdAt).toMatch(ISO_UTC);
  expect(Number.isInteger(serviceUser.activeTokenCount)).toBe(true);
}

/** The server's clock (moved by `POST /local/clock`), in ms. */
export const serverNow = async (api: ApiClient): Promise<number> =>
  Date.parse((await api.request<{ now: string }>("GET", "/local/clock")).body.now);

/** A new session for each person: after the clock moved, old sessions have expired. */
export async function signInAgain(api: ApiClient, ...people: Person[]): Promise<void> {
  for (const person of people) person.session = await api.signIn(person.email, person.password);
}

/**
 * The organization the security sweeps attack: an admin, a member without admin with a user token of their
 * own, and two service users with a token each. `secrets` must all still verify after a refused request.
 */
export async function seedOrganization(api: ApiClient) {
  const admin = await newAdmin(api, { name: "Ada Admin" });
  const member = await newPerson(api, { orgId: admin.orgId, name: "Mo Member", permissions: ["reports:read"] });
  const robot = await createServiceUserOk(api, admin, "Robot", ["robots:run"]);
  const robotToken = await generateServiceUserTokenOk(api, admin, robot.id, "robot token");
  const other = await createServiceUserOk(api, admin, "Other robot", ["other:run"]);
  const otherToken = await generateServiceUserTokenOk(api, admin, other.id, "other robot token");
  const memberToken = await generateOk(api, member, "member's own");
  const secrets = [robotToken.secret, otherToken.secret, memberToken.secret];
  return { admin, member, robot, robotToken, other, otherToken, memberToken, secrets };
}
export type SeededOrganization = Awaited<ReturnType<typeof seedOrganization>>;

/** What an organization holds, seen by one of its admins: compared before and after refused requests. */
export async function organizationSnapshot(api: ApiClient, admin: Person) {
  const serviceUsers = await listServiceUsers(api, admin, { limit: 200 });
  const tokens = await listOrganizationTokens(api, admin, { limit: 200 });
  const activity = await listActivity(api, admin, { limit: 200 });
  for (const r of [serviceUsers, tokens, activity]) expect(r.status, r.text).toBe(200);
  return {
    serviceUsers: serviceUsers.body.serviceUsers.map(({ id, name, permissions, activeTokenCount }) => ({
      id,
      name,
      permissions,
      activeTokenCount,
    })),
    tokens: tokens.body.tokens.map((t) => `${t.id} ${t.name} ${t.ownerName}`).sort(),
    activity: activity.body.events.length,
  };
}

/** Nothing changed: the same snapshot, and every secret of the organization still verifies. */
export async function expectOrganizationUnchanged(
  api: ApiClient,
  org: SeededOrganization,
  before: Awaited<ReturnType<typeof organizationSnapshot>>,
) {
  expect(await organizationSnapshot(api, org.admin)).toEqual(before);
  for (const secret of org.secrets) expect((await verify(api, { token: secret })).body).toMatchObject({ valid: true });
}
