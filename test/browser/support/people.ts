/** People and organizations for the page's tests, made as the platform makes them (events, the identity provider). */
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { ApiClient } from "../../support/api-client.ts";
import { newPerson, uniqueId, type Person } from "../../e2e/e2e-support.ts";

export { newPerson, uniqueId, type Person };

/** A named organization (Organization Settings Changed), SSO-enforced or not. */
export async function namedOrganization(api: ApiClient, options: { name: string; ssoEnforced?: boolean }): Promise<string> {
  const orgId = uniqueId("org");
  await api.publish("platform.organizations", "Organization Settings Changed", {
    orgId,
    name: options.name,
    ssoEnforced: options.ssoEnforced ?? false,
    occurredAt: new Date().toISOString(),
  });
  return orgId;
}

/** POST /v1/verify with what the page put on the clipboard: the copied secret is a working token. */
export async function expectClipboardTokenVerifies(page: Page, api: ApiClient, expected: { orgId: string; userId: string; name: string }) {
  const copied = await page.evaluate<string>("navigator.clipboard.readText()");
  expect(copied).toMatch(/^atk_user_[A-Za-z0-9]+$/);
  const verified = await api.request<{ valid: boolean }>("POST", "/v1/verify", {
    body: { token: copied },
  });
  expect(verified.body).toMatchObject({
    valid: true,
    orgId: expected.orgId,
    principal: { type: "user", id: expected.userId, name: expected.name },
  });
  return copied;
}

/** Nothing the browser keeps (storage, URL, the page's text and markup) holds `secret`. */
export async function expectSecretNowhere(page: Page, secret: string) {
  expect(page.url()).not.toContain(secret);
  const kept = await page.evaluate<string>(
    `JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage), document.documentElement.outerHTML, document.cookie, history.state])`,
  );
  expect(kept).not.toContain(secret);
  expect(kept).not.toContain(secret.slice(-20));
}

/** POST /v1/verify with the service-user token the page put on the clipboard: it works, with those permissions. */
export async function expectClipboardServiceTokenVerifies(
  page: Page,
  api: ApiClient,
  expected: { orgId: string; name: string; permissions: string[] },
): Promise<string> {
  const copied = await page.evaluate<string>("navigator.clipboard.readText()");
  expect(copied).toMatch(/^atk_svc_[A-Za-z0-9]+$/);
  const verified = await api.request<{ valid: boolean }>("POST", "/v1/verify", { body: { token: copied } });
  expect(verified.body).toMatchObject({
    valid: true,
    orgId: expected.orgId,
    kind: "service_user",
    principal: { type: "service_user", name: expected.name },
    permissions: expected.permissions,
    canLogin: false,
  });
  return copied;
}
