/**
 * The API as the page calls it: the client typed from the OpenAPI document (openapi-fetch), the session sent as
 * `Authorization: Bearer`, and every failure turned into an `ApiError` the page can put into words.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./openapi-types.ts";

export type Token = components["schemas"]["Token"];
export type Me = components["schemas"]["Me"];
export type Organization = Me["organizations"][number];
export type CreatedToken = components["schemas"]["CreatedToken"];
export type ServiceUser = components["schemas"]["ServiceUser"];
export type ServiceUserPage = components["schemas"]["ServiceUserPage"];
export type AdminToken = components["schemas"]["AdminToken"];
export type ActivityEvent = components["schemas"]["ActivityEvent"];

/** API.md: lists that can grow take `limit` (1–200, default 50) and the previous page's `nextCursor`. */
export interface Paging {
  limit?: number;
  cursor?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** API.md's error code; "network" when no answer came. */
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** From `Retry-After` (429 and some 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  /** The API's base: the page's origin plus `/config.json`'s `apiBase`. */
  baseUrl: string;
  session(): string | undefined;
  /** A 401: the session ended. The page signs in again and comes back. */
  onUnauthenticated(): void;
}

/** A clock more than this far from the service's is corrected (the `Date` header has whole seconds). */
const CLOCK_SKEW_TOLERANCE_MS = 60_000;

export function createApi(options: ApiOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl });
  // "in N days" and "3 hours ago" are counted on the service's clock: a browser's clock can be wrong, and the
  // local server's test clock may have been moved on (POST /local/clock).
  let skewMs = 0;
  const noteServerTime = (response: Response) => {
    const served = Date.parse(response.headers.get("date") ?? "");
    if (Number.isNaN(served)) return;
    const skew = served - Date.now();
    skewMs = Math.abs(skew) > CLOCK_SKEW_TOLERANCE_MS ? skew : 0;
  };
  client.use({
    onRequest({ request }) {
      const session = options.session();
      if (session) request.headers.set("authorization", `Bearer ${session}`);
      return request;
    },
  });

  async function call<T>(run: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let result: { data?: T; error?: unknown; response: Response };
    try {
      result = await run();
    } catch {
      throw new ApiError(0, "network", "no answer");
    }
    const { response } = result;
    noteServerTime(response);
    if (response.ok) return result.data as T;
    const body = result.error as { error?: { code?: string; message?: string; requestId?: string } } | undefined;
    const retryAfter = Number(response.headers.get("retry-after"));
    const error = new ApiError(
      response.status,
      body?.error?.code ?? `http_${response.status}`,
      body?.error?.message ?? response.statusText,
      body?.error?.requestId ?? response.headers.get("apigw-requestid") ?? undefined,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
    if (response.status === 401) options.onUnauthenticated();
    throw error;
  }

  const org = (orgId: string) => ({ params: { path: { orgId } } });
  const paged = (orgId: string, query: Paging) => ({ params: { path: { orgId }, query } });
  const serviceUser = (orgId: string, serviceUserId: string) => ({ params: { path: { orgId, serviceUserId } } });
  return {
    /** Now, on the service's clock. */
    now: () => new Date(Date.now() + skewMs),
    me: () => call(() => client.GET("/v1/me")),
    listTokens: (orgId: string) => call(() => client.GET("/v1/orgs/{orgId}/tokens", org(orgId))),
    generateToken: (orgId: string, body: { name: string; password?: string }) =>
      call(() => client.POST("/v1/orgs/{orgId}/tokens", { ...org(orgId), body })),
    revokeToken: (orgId: string, tokenId: string) =>
      call(() => client.DELETE("/v1/orgs/{orgId}/tokens/{tokenId}", { params: { path: { orgId, tokenId } } })),
    rotateToken: (orgId: string, tokenId: string, body: { password?: string; graceSeconds: number }) =>
      call(() => client.POST("/v1/orgs/{orgId}/tokens/{tokenId}/rotate", { params: { path: { orgId, tokenId } }, body })),

    // The admin pages (API.md: each needs `api-tokens:admin` in the organization).
    listServiceUsers: (orgId: string, paging: Paging = {}) =>
      call(() => client.GET("/v1/orgs/{orgId}/service-users", paged(orgId, paging))),
    createServiceUser: (orgId: string, body: { name: string; permissions: string[] }) =>
      call(() => client.POST("/v1/orgs/{orgId}/service-users", { ...org(orgId), body })),
    updateServiceUser: (orgId: string, serviceUserId: string, body: { name?: string; permissions?: string[] }) =>
      call(() => client.PATCH("/v1/orgs/{orgId}/service-users/{serviceUserId}", { ...serviceUser(orgId, serviceUserId), body })),
    deleteServiceUser: (orgId: string, serviceUserId: string) =>
      call(() => client.DELETE("/v1/orgs/{orgId}/service-users/{serviceUserId}", serviceUser(orgId, serviceUserId))),
    listServiceUserTokens: (orgId: string, serviceUserId: string) =>
      call(() => client.GET("/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens", serviceUser(orgId, serviceUserId))),
    generateServiceUserToken: (orgId: string, serviceUserId: string, body: { name: string }) =>
      call(() => client.POST("/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens", { ...serviceUser(orgId, serviceUserId), body })),
    revokeServiceUserToken: (orgId: string, serviceUserId: string, tokenId: string) =>
      call(() =>
        client.DELETE("/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId}", {
          params: { path: { orgId, serviceUserId, tokenId } },
        }),
      ),
    rotateServiceUserToken: (orgId: string, serviceUserId: string, tokenId: string, body: { graceSeconds: number }) =>
      call(() =>
        client.POST("/v1/orgs/{orgId}/service-users/{serviceUserId}/tokens/{tokenId}/rotate", {
          params: { path: { orgId, serviceUserId, tokenId } },
          body,
        }),
      ),
    listOrganizationTokens: (orgId: string, paging: Paging = {}) =>
      call(() => client.GET("/v1/orgs/{orgId}/admin/tokens", paged(orgId, paging))),
    revokeOrganizationToken: (orgId: string, tokenId: string) =>
      call(() => client.DELETE("/v1/orgs/{orgId}/admin/tokens/{tokenId}", { params: { path: { orgId, tokenId } } })),
    listActivity: (orgId: string, paging: Paging = {}) => call(() => client.GET("/v1/orgs/{orgId}/activity", paged(orgId, paging))),
  };
}

export type Api = ReturnType<typeof createApi>;
