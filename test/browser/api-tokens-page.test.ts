/**
 * The help article's steps in a real browser, by the roles and names UI.md fixes: sign in, the person's name →
 * My profile → Settings → API tokens, generate (the secret copied, verified, then gone), revoke with a
 * confirmation; in English and in German.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { generateOk, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, signIn, useBrowser } from "./support/browser.ts";
import { expectClipboardTokenVerifies, expectSecretNowhere, namedOrganization, newPerson } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const TOKENS_PATH = "/profile/settings/api-tokens";

const WORDS = {
  en: {
    locale: "en-US",
    myProfile: "My profile",
    settings: "Settings",
    apiTokens: "API tokens",
    generateApiToken: "Generate API token",
    name: "Name",
    password: "Password",
    generate: "Generate",
    copyToken: /^Copy token/,
    copied: "Copied",
    warning: /cannot see it again/,
    done: "Done",
    revoke: (name: string) => `Revoke ${name}`,
    revokeConfirm: "Revoke",
    cancel: "Cancel",
    never: "Never",
    justNow: "now",
    inDays: "in 30 days",
  },
  de: {
    locale: "de-DE",
    myProfile: "Mein Profil",
    settings: "Einstellungen",
    apiTokens: "API-Token",
    generateApiToken: "API-Token generieren",
    name: "Name",
    password: "Passwort",
    generate: "Generieren",
    copyToken: /^Token kopieren/,
    copied: "Kopiert",
    warning: /nicht mehr sehen/,
    done: "Fertig",
    revoke: (name: string) => `${name} widerrufen`,
    revokeConfirm: "Widerrufen",
    cancel: "Abbrechen",
    never: "Nie",
    justNow: "jetzt",
    inDays: "in 30 Tagen",
  },
} as const;

describe.each(["en", "de"] as const)("the API tokens page in %s", (language) => {
  const words = WORDS[language];

  test("the article's steps: generate, copy, verify, the secret gone after Done, then revoke with a confirmation", async () => {
    const { api } = ctx;
    const orgId = await namedOrganization(api, { name: language === "de" ? "Beispiel GmbH" : "Example Ltd" });
    const person = await newPerson(api, { orgId, name: language === "de" ? "Grete Müller" : "Ada Lovelace" });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, locale: words.locale });
    try {
      await signIn(page, "/", person, language);
      // 1–4: the name bottom left, My profile, Settings (top right), API tokens (top right).
      await page.getByRole("button", { name: person.name }).click();
      await page.getByRole("menuitem", { name: words.myProfile }).click();
      await page.getByRole("link", { name: words.settings, exact: true }).click();
      await page.getByRole("link", { name: words.apiTokens, exact: true }).click();
      await expect.poll(() => new URL(page.url()).pathname).toBe(TOKENS_PATH);
      await page.getByRole("heading", { level: 1, name: words.apiTokens }).waitFor();
      await page.getByText(language === "de" ? /noch keine API-Token/ : /no API tokens in this organization yet/).waitFor();
      await screenshot(page, `api-tokens-empty-${language}`);

      const secret = await generateThroughPage(page, words, { name: "Power BI export", password: person.password });
      await expectClipboardTokenVerifies(page, api, { orgId, userId: person.userId, name: person.name });
      await page.getByRole("button", { name: words.done }).click();
      await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
      await expectSecretNowhere(page, secret);

      // Verified once: last used just now. A token made elsewhere and never used: "Never", "in 30 days".
      const row = (name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
      await expect.poll(() => row("Power BI export").textContent()).toContain(words.justNow);
      await generateOk(api, person, "Nightly sync", orgId);
      await page.reload();
      await expect.poll(() => row("Nightly sync").textContent()).toContain(words.never);
      expect(await row("Nightly sync").textContent()).toContain(words.inDays);
      await screenshot(page, `api-tokens-list-${language}`);

      await page.getByRole("button", { name: words.revoke("Power BI export") }).click();
      const confirm = page.getByRole("alertdialog");
      await confirm.waitFor();
      await screenshot(page, `api-tokens-revoke-${language}`);
      await confirm.getByRole("button", { name: words.revokeConfirm, exact: true }).click();
      await expect.poll(() => page.getByRole("rowheader", { name: "Power BI export" }).count()).toBe(0);
      const verified = await api.request<{ valid: boolean; reason?: string }>("POST", "/v1/verify", { body: { token: secret } });
      expect(verified.body).toMatchObject({ valid: false, reason: "revoked" });
    } finally {
      await context.close();
    }
  });
});

/** Opens the pop-up, generates, copies; returns the secret the pop-up showed (and the clipboard holds). */
async function generateThroughPage(
  page: Page,
  words: (typeof WORDS)["en" | "de"],
  input: { name: string; password?: string },
): Promise<string> {
  await page.getByRole("button", { name: words.generateApiToken }).click();
  const dialog = page.getByRole("dialog", { name: words.generateApiToken });
  await dialog.getByRole("textbox", { name: words.name }).fill(input.name);
  if (input.password !== undefined) await dialog.getByLabel(words.password, { exact: true }).fill(input.password);
  await dialog.getByRole("button", { name: words.generate, exact: true }).click();
  const copy = dialog.getByRole("button", { name: words.copyToken });
  await copy.click();
  await dialog.getByRole("status").filter({ hasText: words.copied }).waitFor();
  expect(await dialog.textContent()).toMatch(words.warning);
  await screenshot(page, `api-tokens-secret-${words.locale}`);
  const secret = ((await copy.textContent()) ?? "").match(/atk_user_[A-Za-z0-9]+/)?.[0] ?? "";
  expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(secret);
  return secret;
}
