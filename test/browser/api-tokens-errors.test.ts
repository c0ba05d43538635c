/**
 * What a person reads when generating cannot go on (wrong password, the limit, the password lock), and the
 * organization switcher with an SSO-only organization that asks for no password.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { generate, generateOk, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, signIn, useBrowser } from "./support/browser.ts";
import { namedOrganization, newPerson } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const TOKENS_PATH = "/profile/settings/api-tokens";

async function tryGenerate(page: Page, input: { name: string; password: string }) {
  await page.getByRole("button", { name: "Generate API token" }).click();
  const dialog = page.getByRole("dialog", { name: "Generate API token" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(input.name);
  await dialog.getByLabel("Password", { exact: true }).fill(input.password);
  await dialog.getByRole("button", { name: "Generate", exact: true }).click();
  const alert = dialog.getByRole("alert");
  await alert.waitFor();
  return { dialog, alert: (await alert.textContent()) ?? "" };
}

describe("errors in words a person can act on", () => {
  test("a wrong password says so, empties the field and keeps the name; the next try with the right one works", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      const { dialog, alert } = await tryGenerate(page, { name: "CI", password: "not my password" });
      expect(alert).toBe("The password is wrong. Enter the password you use to sign in.");
      await screenshot(page, "api-tokens-wrong-password");
      expect(await dialog.getByLabel("Password", { exact: true }).inputValue()).toBe("");
      expect(await dialog.getByRole("textbox", { name: "Name" }).inputValue()).toBe("CI");
      await dialog.getByLabel("Password", { exact: true }).fill(person.password);
      await dialog.getByRole("button", { name: "Generate", exact: true }).click();
      await dialog.getByRole("button", { name: /^Copy token/ }).waitFor();
    } finally {
      await context.close();
    }
  });

  test("at the limit it names the least recently used tokens to revoke", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    for (let index = 1; index <= 10; index++) await generateOk(api, person, `Token ${index}`);
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      await page.getByText(/You have reached the limit/).waitFor();
      const { alert } = await tryGenerate(page, { name: "Eleventh", password: person.password });
      // Never used, so the oldest made come first.
      expect(alert).toBe(
        'You already have 10 active tokens, the most allowed. Revoke one you no longer need first, for example the least recently used: "Token 1", "Token 2", "Token 3".',
      );
      await screenshot(page, "api-tokens-limit");
    } finally {
      await context.close();
    }
  });

  test("locked after five wrong passwords, it says when to try again (from Retry-After)", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await generate(api, person, { name: "x", password: "wrong" })).status).toBe(403);
    }
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, locale: "de-DE" });
    try {
      await signIn(page, TOKENS_PATH, person, "de");
      await page.getByRole("button", { name: "API-Token generieren" }).click();
      const dialog = page.getByRole("dialog", { name: "API-Token generieren" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("Nach der Sperre");
      await dialog.getByLabel("Passwort", { exact: true }).fill(person.password);
      await dialog.getByRole("button", { name: "Generieren", exact: true }).click();
      const alert = (await dialog.getByRole("alert").textContent()) ?? "";
      expect(alert).toMatch(/^Zu viele falsche Passwörter\. Versuchen Sie es in 15 Minuten wieder \(um \d{2}:\d{2}\)\.$/);
      await screenshot(page, "api-tokens-throttled-de");
    } finally {
      await context.close();
    }
  });
});

describe("organizations", () => {
  test("the switcher lists each organization by name and id; an SSO-only one asks for no password", async () => {
    const { api } = ctx;
    const plainOrg = await namedOrganization(api, { name: "Acme Corp" });
    const ssoOrg = await namedOrganization(api, { name: "Globex SSO", ssoEnforced: true });
    const person = await newPerson(api, { orgId: plainOrg });
    await api.upsertMember({ orgId: ssoOrg, userId: person.userId, name: person.name });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      const switcher = page.getByRole("combobox", { name: "Organization" });
      await switcher.waitFor();
      const options = await switcher.getByRole("option").allTextContents();
      expect(options.sort()).toEqual([`Acme Corp (${plainOrg})`, `Globex SSO (${ssoOrg})`].sort());
      await switcher.selectOption(ssoOrg);
      await page.getByRole("button", { name: "Generate API token" }).click();
      const dialog = page.getByRole("dialog", { name: "Generate API token" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("SSO token");
      expect(await dialog.getByLabel("Password", { exact: true }).count()).toBe(0);
      expect(await dialog.textContent()).toContain("single sign-on");
      await screenshot(page, "api-tokens-sso");
      await dialog.getByRole("button", { name: "Generate", exact: true }).click();
      await dialog.getByRole("button", { name: /^Copy token/ }).waitFor();
      await dialog.getByRole("button", { name: "Done" }).click();
      await page.getByRole("rowheader", { name: "SSO token" }).waitFor();
      // The other organization has its own tokens: none.
      await switcher.selectOption(plainOrg);
      await page.getByText(/no API tokens in this organization yet/).waitFor();
    } finally {
      await context.close();
    }
  });
});
