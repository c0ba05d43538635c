/**
 * Expiry as a person reads it, counted on the service's clock (its own server: the file moves the test clock):
 * "in N days", a warning under 7 days, last used relative to now. The screenshots of this file are the README's.
 */
import { describe, expect, test } from "vitest";
import { DAY_SECONDS, generateOk, useLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, signIn, useBrowser } from "./support/browser.ts";
import { namedOrganization, newPerson } from "./support/people.ts";

const ctx = useLocalService();
const chromium = useBrowser();

describe("expiry on the page", () => {
  test("a token unused for 25 days expires in 5 days and is marked; a used one starts its 30 days again", async () => {
    const { api } = ctx;
    const orgId = await namedOrganization(api, { name: "Acme Corp" });
    const person = await newPerson(api, { orgId, name: "Ada Lovelace" });
    await api.upsertMember({ orgId: await namedOrganization(api, { name: "Globex" }), userId: person.userId, name: person.name });
    await generateOk(api, person, "Nightly warehouse sync", orgId);
    const used = await generateOk(api, person, "Power BI export", orgId);
    await api.advanceClock(25 * DAY_SECONDS);
    expect((await api.request<{ valid: boolean }>("POST", "/v1/verify", { body: { token: used.secret } })).body.valid).toBe(true);
    // Sessions are issued on the same clock: the one from before the move has ended.
    person.session = await api.signIn(person.email, person.password);
    await generateOk(api, person, "CI pipeline", orgId);
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, width: 1280 });
    try {
      await signIn(page, "/profile/settings/api-tokens", person);
      // The page starts on the first organization by id, and the ids are random: choose Acme Corp.
      await page.getByRole("combobox", { name: "Organization" }).selectOption({ label: `Acme Corp (${orgId})` });
      const row = (name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
      await row("CI pipeline").waitFor();
      expect(await row("Nightly warehouse sync").textContent()).toMatch(/Neverin 5 daysexpires soon/);
      expect(await row("Power BI export").textContent()).toMatch(/nowin 30 days(RegenerateRevoke)?$/);
      expect(await row("CI pipeline").textContent()).toMatch(/Neverin 30 days/);
      expect(await row("CI pipeline").textContent()).not.toContain("expires soon");
      await screenshot(page, "readme-api-tokens-page");
      await page.getByRole("button", { name: "Generate API token" }).click();
      const dialog = page.getByRole("dialog", { name: "Generate API token" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("Grafana dashboards");
      await dialog.getByLabel("Password", { exact: true }).fill(person.password);
      await dialog.getByRole("button", { name: "Generate", exact: true }).click();
      await dialog.getByRole("button", { name: /^Copy token/ }).click();
      await dialog.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      await screenshot(page, "readme-api-tokens-new-token");
    } finally {
      await context.close();
    }
  });
});
