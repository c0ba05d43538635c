/**
 * UI.md "Quality": keyboard only (focus into each pop-up and back, Escape closes), 360 px wide without
 * sideways scrolling, no serious or critical axe-core violation on the pages and each pop-up; and the session:
 * one that ends mid-visit returns to sign-in and back to the same page, sign-out ends it.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { generateOk, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, seriousAxeViolations, signIn, useBrowser } from "./support/browser.ts";
import { newPerson } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const TOKENS_PATH = "/profile/settings/api-tokens";

/** The focused element's accessible name as a person hears it (aria-label, else its text). */
const focused = (page: Page) =>
  page.evaluate<string>(
    "(() => { const e = document.activeElement; if (!e || e === document.body) return 'BODY'; return (e.getAttribute('aria-label') ?? e.textContent ?? '').trim() || e.id || e.tagName; })()",
  );

async function tabTo(page: Page, name: string | RegExp, options: { backwards?: boolean } = {}) {
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press(options.backwards ? "Shift+Tab" : "Tab");
    const current = await focused(page);
    if (typeof name === "string" ? current === name : name.test(current)) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

const noSidewaysScroll = (page: Page) => page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth");

describe("keyboard only", () => {
  test("the article's steps, generate, copy, Done, Escape and revoke without a mouse; focus goes into each pop-up and back", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { name: "Kim Keyboard" });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, "/", person);
      await tabTo(page, "Kim Keyboard");
      await page.keyboard.press("Enter");
      await expect.poll(() => focused(page)).toBe("My profile");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "My profile" }).waitFor();
      await tabTo(page, "Settings");
      await page.keyboard.press("Enter");
      await tabTo(page, "API tokens");
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "API tokens" }).waitFor();

      await tabTo(page, "Generate API token");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.evaluate<string>("document.activeElement.id")).toBe("token-name");
      await page.keyboard.type("Keyboard token");
      await page.keyboard.press("Tab");
      await page.keyboard.type(person.password);
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: /^Copy token/ }).waitFor();
      await expect.poll(() => focused(page)).toMatch(/^Copy token atk_user_/);
      await page.keyboard.press("Enter");
      await page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      await tabTo(page, "Done");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
      await expect.poll(() => focused(page)).toBe("Generate API token");

      // Escape closes and returns focus.
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "Generate API token" }).waitFor();
      await page.keyboard.press("Escape");
      await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
      await expect.poll(() => focused(page)).toBe("Generate API token");

      // Revoke: the confirmation opens on Cancel (Enter alone never revokes); Escape keeps the token.
      await page.getByRole("rowheader", { name: "Keyboard token" }).waitFor();
      await tabTo(page, "Revoke Keyboard token");
      await page.keyboard.press("Enter");
      await expect.poll(() => focused(page)).toBe("Cancel");
      await page.keyboard.press("Escape");
      await expect.poll(() => focused(page)).toBe("Revoke Keyboard token");
      await page.keyboard.press("Enter");
      await expect.poll(() => focused(page)).toBe("Cancel");
      await tabTo(page, "Revoke", { backwards: true });
      await page.keyboard.press("Enter");
      await expect.poll(() => page.getByRole("rowheader", { name: "Keyboard token" }).count()).toBe(0);
      await expect.poll(() => focused(page)).toBe("Generate API token");
    } finally {
      await context.close();
    }
  });
});

describe("360 px wide and axe-core", () => {
  // Both widths in English; German, whose words run longer, at the narrow one.
  test.each([
    ["en", 360],
    ["en", 1440],
    ["de", 360],
  ] as const)(
    "no sideways scrolling and no serious or critical axe violation on the pages and each pop-up (%s, %i px)",
    async (language, width) => {
      const { api } = ctx;
      const person = await newPerson(api, { name: "Maximiliane Mustermann-Überlänge" });
      await generateOk(api, person, "A rather long token name for the nightly warehouse export job");
      await generateOk(api, person, "Short");
      const words =
        language === "de"
          ? { generate: "API-Token generieren", name: "Name", action: "Generieren", revoke: "Short widerrufen", cancel: "Abbrechen" }
          : { generate: "Generate API token", name: "Name", action: "Generate", revoke: "Revoke Short", cancel: "Cancel" };
      const locale = language === "de" ? "de-DE" : "en-US";
      const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, width, locale });
      const check = async (state: string) => {
        expect.soft(await noSidewaysScroll(page), `${state} at ${width} px scrolls sideways`).toBe(true);
        // axe once per state and layout: English wide, German narrow (the cards); English narrow checks the width only.
        if (!(language === "en" && width === 360)) expect.soft(await seriousAxeViolations(page), `${state} at ${width} px`).toEqual([]);
        await screenshot(page, `${state}-${language}-${width}`);
      };
      try {
        await signIn(page, "/profile", person, language);
        await check("profile");
        await page.goto(TOKENS_PATH);
        await page.getByRole("rowheader", { name: "Short" }).waitFor();
        await check("tokens");
        await page.getByRole("button", { name: words.generate }).click();
        const dialog = page.getByRole("dialog", { name: words.generate });
        await dialog.getByRole("button", { name: words.action, exact: true }).click();
        await dialog.getByRole("alert").waitFor();
        await check("generate-error");
        await dialog.getByRole("textbox", { name: words.name }).fill("Third");
        await dialog.getByLabel(language === "de" ? "Passwort" : "Password", { exact: true }).fill(person.password);
        await dialog.getByRole("button", { name: words.action, exact: true }).click();
        await dialog.getByRole("button", { name: language === "de" ? /^Token kopieren/ : /^Copy token/ }).waitFor();
        await check("secret");
        await page.keyboard.press("Escape");
        await page.getByRole("button", { name: words.revoke }).click();
        await page.getByRole("alertdialog").waitFor();
        await check("revoke");
        await page.getByRole("alertdialog").getByRole("button", { name: words.cancel }).click();
      } finally {
        await context.close();
      }
    },
  );
});

describe("the session", () => {
  test("a session that ends mid-visit goes back to sign-in and returns to the same page", async () => {
    const { api } = ctx;
    const person = await newPerson(api);
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      // The stored session is refused by the API (as an expired one is): 401.
      await page.evaluate(`(() => {
        const key = "api-tokens.session";
        const session = JSON.parse(sessionStorage.getItem(key));
        sessionStorage.setItem(key, JSON.stringify({ ...session, idToken: session.idToken.slice(0, -4) + "AAAA" }));
      })()`);
      await page.reload();
      await page.getByRole("textbox", { name: "Email" }).waitFor();
      await page.getByRole("textbox", { name: "Email" }).fill(person.email);
      await page.getByLabel("Password", { exact: true }).fill(person.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname === TOKENS_PATH);
      await page.getByRole("heading", { level: 1, name: "API tokens" }).waitFor();
    } finally {
      await context.close();
    }
  });

  test("Sign out ends the session here and at the identity provider", async () => {
    const { api } = ctx;
    const person = await newPerson(api, { name: "Sam Signout" });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, TOKENS_PATH, person);
      await page.getByRole("button", { name: "Sam Signout" }).click();
      await page.getByRole("menuitem", { name: "Sign out" }).click();
      await page.getByRole("textbox", { name: "Email" }).waitFor();
      expect(await page.evaluate<string | null>("sessionStorage.getItem('api-tokens.session')")).toBeNull();
    } finally {
      await context.close();
    }
  });
});
