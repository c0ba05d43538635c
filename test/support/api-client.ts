import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import createClient, { type Client } from "openapi-fetch";
import { contract } from "./contract.ts";
import type { paths } from "../../web/src/api/openapi-types.ts";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A thin client for the local service, as an integration would use it. */
export class ApiClient {
  readonly events: EventBridgeClient;
  /** Every response body this client saw: tests scan them for secrets. */
  readonly seen: string[] = [];
  /** Responses that docs/openapi.json does not allow; the request that got one also throws. */
  readonly contractViolations: string[] = [];

  /**
   * The same service through a client typed from docs/openapi.json (openapi-typescript + openapi-fetch): paths,
   * parameters, bodies and answers as the document says. Its responses get the same contract check.
   */
  readonly typed: Client<paths>;

  constructor(readonly baseUrl: string) {
    this.typed = createClient<paths>({
      baseUrl,
      fetch: async (request: Request) => {
        const response = await fetch(request);
        const text = await response.clone().text();
        this.seen.push(text);
        const violation = contract().check(request.method, new URL(request.url).pathname, response.status, text);
        if (violation) {
          this.contractViolations.push(violation);
          throw new Error(`contract violation: ${violation}`);
        }
        return response;
      },
    });
    this.events = new EventBridgeClient({
      endpoint: `${baseUrl}/local/eventbridge`,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  }

  async request<T = any>(
    method: string,
    path: string,
    options: { bearer?: string; body?: unknown; rawBody?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    let body: string | Uint8Array | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    this.seen.push(text);
    // Every answer on a documented route must be one docs/openapi.json describes (test/support/contract.ts).
    const violation = contract().check(method, path, response.status, text);
    if (violation) {
      this.contractViolations.push(violation);
      throw new Error(`contract violation: ${violation}`);
    }
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  /** What the platform's user service does: publish a lifecycle event on EventBridge. */
  async publish(source: string, detailType: string, detail: Record<string, unknown>) {
    const result = await this.events.send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
    );
    if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    return result;
  }

  private eventClock = Date.parse("2026-01-01T00:00:00Z");
  /** Upserts a member; each call's `occurredAt` is later than the last, so none is stale. */
  async upsertMember(member: { orgId: string; userId: string; name: string; permissions?: string[]; groups?: string[]; sites?: string[] }) {
    this.eventClock += 1000;
    await this.publish("platform.users", "User Upserted", {
      permissions: [],
      groups: [],
      sites: [],
      ...member,
      occurredAt: new Date(this.eventClock).toISOString(),
    });
  }

  async setSso(orgId: string, ssoEnforced: boolean) {
    this.eventClock += 1000;
    await this.publish("platform.organizations", "Organization Settings Changed", {
      orgId,
      ssoEnforced,
      occurredAt: new Date(this.eventClock).toISOString(),
    });
  }

  /** Registers the person at the local identity provider and returns a session (ID token). */
  async signUp(userId: string, password: string): Promise<string> {
    const email = `${userId}@example.com`;
    const created = await this.request("POST", "/local/idp/users", { body: { userId, email, password } });
    if (created.status !== 201) throw new Error(`sign-up failed: ${created.text}`);
    return this.signIn(email, password);
  }

  async signIn(email: string, password: string): Promise<string> {
    const login = await this.request<{ idToken: string }>("POST", "/local/idp/login", { body: { email, password } });
    if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
    return login.body.idToken;
  }

  async advanceClock(seconds: number): Promise<string> {
    const moved = await this.request<{ now: string }>("POST", "/local/clock", { body: { advanceSeconds: seconds } });
    if (moved.status !== 200) throw new Error(`clock: ${moved.text}`);
    return moved.body.now;
  }
}
