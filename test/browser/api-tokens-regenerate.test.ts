/**
 * Regenerating a token from the page (a rotation, UI.md): choose how long the old token keeps working, give
 * the password, copy the new secret once; the old token is marked as replaced and still verifies during its grace.
 */
import { describe, expect, test } from "vitest";
import { createServiceUserOk, generateOk, generateServiceUserTokenOk, newAdmin, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, seriousAxeViolations, signIn, useBrowser } from "./support/browser.ts";
import { newPerson } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const TOKENS_PATH = "/profile/settings/api-tokens";
const verify = async (token: string) =>
  (await ctx.api.request<{ valid: boolean; tokenId?: string }>("POST", "/v1/verify", { body: { token } })).body;

describe("Regenerate", () => {
  test("with a grace of 1 hour: the new token is copied once, the old one is marked replaced and still verifies", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "Power BI export");
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      await page.getByRole("button", { name: "Regenerate Power BI export" }).click();
      const dialog = page.getByRole("dialog", { name: "Regenerate API token" });
      const graces = dialog.getByRole("radiogroup", { name: "Keep the old token working" });
      // count() does not wait: the pop-up may still be opening.
      await graces.waitFor();
      expect(await graces.getByRole("radio").count()).toBe(3);
      for (const name of ["No", "1 hour", "24 hours"]) expect(await graces.getByRole("radio", { name, exact: true }).count()).toBe(1);
      expect(await graces.getByRole("radio", { name: "No" }).isChecked()).toBe(true);
      await graces.getByRole("radio", { name: "1 hour" }).check();
      await dialog.getByLabel("Password", { exact: true }).fill(person.password);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Regenerate", exact: true }).click();
      const copy = dialog.getByRole("button", { name: /^Copy token/ });
      await copy.click();
      await dialog.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      const secret = await page.evaluate<string>("navigator.clipboard.readText()");
      expect(await copy.textContent()).toContain(secret);
      await screenshot(page, "api-tokens-regenerate-secret");
      await dialog.getByRole("button", { name: "Done" }).click();
      await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
      expect(await page.content()).not.toContain(secret);

      expect(await verify(secret)).toMatchObject({ valid: true });
      expect(await verify(old.secret)).toMatchObject({ valid: true, tokenId: old.token.id });
      // Two rows of one name: the buttons tell them apart by the secrets' last characters.
      const replaced = page.getByRole("row").filter({ hasText: /Replaced, works until/ });
      await replaced.waitFor();
      expect(await replaced.getByRole("rowheader").textContent()).toBe("Power BI export");
      await page.getByRole("button", { name: `Revoke Power BI export (…${old.token.hint})` }).waitFor();
      await page.getByRole("button", { name: `Revoke Power BI export (…${secret.slice(-4)})` }).waitFor();
      // A replaced token cannot be regenerated again; the new one can.
      expect(await page.getByRole("button", { name: /^Regenerate Power BI export/ }).count()).toBe(1);
      expect(await page.getByText("You have 1 active token.").count()).toBe(1);
      await screenshot(page, "api-tokens-regenerated");
    } finally {
      await context.close();
    }
  });

  test("in German, with no grace: the old token stops at once", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const old = await generateOk(api, person, "Nachtlauf");
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, locale: "de-DE", width: 360 });
    try {
      await signIn(page, TOKENS_PATH, person, "de");
      await page.getByRole("button", { name: "Nachtlauf neu generieren" }).click();
      const dialog = page.getByRole("dialog", { name: "API-Token neu generieren" });
      const graces = dialog.getByRole("radiogroup", { name: "Altes Token weiter gültig" });
      // count() does not wait: the pop-up may still be opening.
      await graces.waitFor();
      expect(await graces.getByRole("radio").count()).toBe(3);
      for (const name of ["Nein", "1 Stunde", "24 Stunden"]) expect(await graces.getByRole("radio", { name, exact: true }).count()).toBe(1);
      await dialog.getByLabel("Passwort", { exact: true }).fill(person.password);
      expect(await page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await dialog.getByRole("button", { name: "Neu generieren", exact: true }).click();
      await dialog.getByRole("button", { name: /^Token kopieren/ }).waitFor();
      await dialog.getByRole("button", { name: "Fertig" }).click();
      expect(await verify(old.secret)).toMatchObject({ valid: false });
      await expect.poll(() => page.getByRole("rowheader", { name: "Nachtlauf" }).count()).toBe(1);
      expect(await page.getByText(/Ersetzt, gültig bis/).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  test("an admin regenerates a service user's token from its token list, with 24 hours of grace and no password", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Ada Admin" });
    const robot = await createServiceUserOk(api, admin, "Warehouse sync", ["reports:read"]);
    const old = await generateServiceUserTokenOk(api, admin, robot.id, "Nightly export");
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, "/integrations/custom", admin);
      await page.getByRole("button", { name: "Show tokens of Warehouse sync" }).click();
      await page.getByRole("button", { name: "Regenerate Nightly export" }).click();
      const dialog = page.getByRole("dialog", { name: "Regenerate API token" });
      await dialog.waitFor();
      expect(await dialog.getByLabel("Password", { exact: true }).count()).toBe(0);
      await dialog.getByRole("radiogroup", { name: "Keep the old token working" }).getByRole("radio", { name: "24 hours" }).check();
      await dialog.getByRole("button", { name: "Regenerate", exact: true }).click();
      await dialog.getByRole("button", { name: /^Copy token/ }).click();
      const secret = await page.evaluate<string>("navigator.clipboard.readText()");
      await dialog.getByRole("button", { name: "Done" }).click();
      expect(await verify(secret)).toMatchObject({ valid: true, kind: "service_user", permissions: ["reports:read"] });
      expect(await verify(old.secret)).toMatchObject({ valid: true, tokenId: old.token.id });
      await page.getByText(/Replaced, works until/).waitFor();
    } finally {
      await context.close();
    }
  });
});
