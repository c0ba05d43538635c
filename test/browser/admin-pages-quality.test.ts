/**
 * The admin pages' quality (UI.md "Quality"): no serious or critical axe-core violation on each tab and pop-up,
 * no sideways scrolling at 360 px, the tabs and pop-ups by keyboard alone, "Load more" paging, and the limit
 * of 20 service-user tokens said plainly; switching to an organization where one is no admin hides the entry.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { createServiceUserOk, generateOk, generateServiceUserTokenOk, newAdmin, useSharedLocalService } from "../e2e/e2e-support.ts";
import { newPage, screenshot, seriousAxeViolations, signIn, useBrowser } from "./support/browser.ts";
import { namedOrganization } from "./support/people.ts";

const ctx = useSharedLocalService();
const chromium = useBrowser();
const ADMIN_PATH = "/integrations/custom";

const focused = (page: Page) =>
  page.evaluate<string>(
    "(() => { const e = document.activeElement; if (!e || e === document.body) return 'BODY'; return (e.getAttribute('aria-label') ?? e.textContent ?? '').trim() || e.id || e.tagName; })()",
  );
const noSidewaysScroll = (page: Page) => page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth");

const WORDS = {
  en: {
    locale: "en-US",
    serviceUsers: "Service users",
    organizationTokens: "Organization tokens",
    activity: "Activity",
    add: "Add service user",
    save: "Save",
    showTokens: (name: string) => `Show tokens of ${name}`,
    generateFor: (name: string) => `Generate token for ${name}`,
    generateApiToken: "Generate API token",
    generate: "Generate",
    copyToken: /^Copy token/,
    edit: (name: string) => `Edit ${name}`,
    deleteNamed: (name: string) => `Delete ${name}`,
    revoke: (name: string) => `Revoke ${name}`,
    cancel: "Cancel",
  },
  de: {
    locale: "de-DE",
    serviceUsers: "Servicenutzer",
    organizationTokens: "Organisations-Token",
    activity: "Aktivität",
    add: "Servicenutzer hinzufügen",
    save: "Speichern",
    showTokens: (name: string) => `Token von ${name} anzeigen`,
    generateFor: (name: string) => `Token für ${name} generieren`,
    generateApiToken: "API-Token generieren",
    generate: "Generieren",
    copyToken: /^Token kopieren/,
    edit: (name: string) => `${name} bearbeiten`,
    deleteNamed: (name: string) => `${name} löschen`,
    revoke: (name: string) => `${name} widerrufen`,
    cancel: "Abbrechen",
  },
} as const;

describe("360 px wide and axe-core", () => {
  // Narrow in both languages (German's words run longer); the wide page is checked in admin-pages.test.ts.
  test.each([
    ["en", 360],
    ["de", 360],
  ] as const)("each tab and pop-up: no sideways scrolling, no serious or critical axe violation (%s, %i px)", async (language, width) => {
    const { api } = ctx;
    const words = WORDS[language];
    const orgId = await namedOrganization(api, { name: "Maximiliane Mustermann Holding GmbH & Co. KG" });
    const admin = await newAdmin(api, { orgId, name: "Maximiliane Mustermann-Überlänge" });
    const robot = await createServiceUserOk(api, admin, "Nightly warehouse export integration", [
      "reports:read",
      "inspections:write",
      "a-rather-long-permission:with-many-parts:read",
    ]);
    await generateServiceUserTokenOk(api, admin, robot.id, "A rather long token name for the nightly warehouse export job");
    await generateOk(api, admin, "Short", orgId);
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl, width, locale: words.locale });
    const check = async (state: string) => {
      expect.soft(await noSidewaysScroll(page), `${state} at ${width} px scrolls sideways`).toBe(true);
      // axe once per state and language: English at 1440 px (admin-pages.test.ts), German here; both check the width.
      if (language === "de") expect.soft(await seriousAxeViolations(page), `${state} at ${width} px`).toEqual([]);
      await screenshot(page, `admin-${state}-${language}-${width}`);
    };
    try {
      await signIn(page, ADMIN_PATH, admin, language);
      await page.getByRole("button", { name: words.showTokens(robot.name) }).click();
      await page.getByRole("rowheader", { name: "A rather long token name for the nightly warehouse export job" }).waitFor();
      await check("service-users");

      await page.getByRole("button", { name: words.add }).click();
      const add = page.getByRole("dialog", { name: words.add });
      await add.getByRole("button", { name: words.save }).click();
      await add.getByRole("alert").waitFor();
      await check("add-error");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: words.edit(robot.name) }).click();
      await page.getByRole("dialog").getByRole("button", { name: words.save }).waitFor();
      await check("edit");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: words.generateFor(robot.name) }).click();
      const generate = page.getByRole("dialog", { name: words.generateApiToken });
      await generate.getByRole("textbox", { name: "Name" }).fill("Second");
      await generate.getByRole("button", { name: words.generate, exact: true }).click();
      await generate.getByRole("button", { name: words.copyToken }).waitFor();
      await check("secret");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: words.deleteNamed(robot.name) }).click();
      await page.getByRole("alertdialog").waitFor();
      await check("delete");
      await page.getByRole("alertdialog").getByRole("button", { name: words.cancel }).click();

      await page.getByRole("tab", { name: words.organizationTokens }).click();
      await page.getByRole("rowheader", { name: "Short" }).waitFor();
      await check("organization-tokens");
      await page.getByRole("button", { name: words.revoke("Short") }).click();
      await page.getByRole("alertdialog").waitFor();
      await check("revoke");
      await page.getByRole("alertdialog").getByRole("button", { name: words.cancel }).click();

      await page.getByRole("tab", { name: words.activity }).click();
      await page.getByRole("tabpanel", { name: words.activity }).getByRole("row").nth(1).waitFor();
      await check("activity");
    } finally {
      await context.close();
    }
  });
});

describe("keyboard, paging, limits", () => {
  test("tabs move with the arrow keys, Home and End; a service user is added without a mouse; Escape returns focus", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Kim Keyboard" });
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, ADMIN_PATH, admin);
      await page.getByRole("tab", { name: "Service users" }).focus();
      await page.keyboard.press("ArrowRight");
      await expect.poll(() => focused(page)).toBe("Organization tokens");
      expect(await page.getByRole("tab", { name: "Organization tokens" }).getAttribute("aria-selected")).toBe("true");
      expect(new URL(page.url()).search).toBe("?tab=organization-tokens");
      await page.keyboard.press("End");
      await expect.poll(() => focused(page)).toBe("Activity");
      await page.keyboard.press("ArrowRight");
      await expect.poll(() => focused(page)).toBe("Service users");
      await page.keyboard.press("ArrowLeft");
      await expect.poll(() => focused(page)).toBe("Activity");
      await page.keyboard.press("Home");
      await expect.poll(() => focused(page)).toBe("Service users");

      // Tab leaves the tab list for the panel's first control: Add service user.
      await page.keyboard.press("Tab");
      await expect.poll(() => focused(page)).toBe("Add service user");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.evaluate<string>("document.activeElement.id")).toBe("service-user-name");
      await page.keyboard.type("Keyboard robot");
      await page.keyboard.press("Tab");
      await page.keyboard.type("robots:run");
      await page.keyboard.press("Enter");
      await page.getByRole("rowheader", { name: "Keyboard robot" }).waitFor();
      await expect.poll(() => focused(page)).toBe("Add service user");

      await page.getByRole("button", { name: "Delete Keyboard robot" }).focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => focused(page)).toBe("Cancel");
      await page.keyboard.press("Escape");
      await expect.poll(() => focused(page)).toBe("Delete Keyboard robot");
    } finally {
      await context.close();
    }
  });

  test("a long activity pages with Load more", async () => {
    const { api } = ctx;
    const admin = await newAdmin(api, { name: "Paula Pager" });
    // 52 entries, two more than a page of 50: service users made side by side (no write contends with another).
    await Promise.all(Array.from({ length: 52 }, (_, index) => createServiceUserOk(api, admin, `Robot ${index + 1}`)));
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, `${ADMIN_PATH}?tab=activity`, admin);
      const rows = page.getByRole("tabpanel", { name: "Activity" }).getByRole("row");
      await expect.poll(() => rows.count()).toBe(51); // the header and 50
      expect(await rows.nth(1).textContent()).toMatch(/Paula Pagercreated service user 'Robot \d+'/);
      await page.getByRole("button", { name: "Load more" }).click();
      await expect.poll(() => rows.count()).toBe(53);
      expect(await rows.nth(52).textContent()).toMatch(/created service user 'Robot \d+'/);
      await page.getByRole("status").filter({ hasText: "2 more rows loaded." }).waitFor();
      expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  test("at 20 service-user tokens the page says so and generating says what to do; in an organization where one is no admin, the entry goes", async () => {
    const { api } = ctx;
    const orgId = await namedOrganization(api, { name: "Acme Corp" });
    const admin = await newAdmin(api, { orgId, name: "Lima Limit" });
    const otherOrg = await namedOrganization(api, { name: "Globex" });
    await api.upsertMember({ orgId: otherOrg, userId: admin.userId, name: admin.name });
    const robot = await createServiceUserOk(api, admin, "Robot");
    await Promise.all(Array.from({ length: 20 }, (_, index) => generateServiceUserTokenOk(api, admin, robot.id, `robot ${index + 1}`)));
    const { context, page } = await newPage(chromium.browser, { baseUrl: api.baseUrl });
    try {
      await signIn(page, ADMIN_PATH, admin);
      // The first organization by id is chosen at first; either may be.
      await page.getByRole("combobox", { name: "Organization" }).selectOption({ label: `Acme Corp (${orgId})` });
      await page.getByText("20 of 20 service-user tokens in use in this organization.").waitFor();
      await page.getByText(/reached the limit/).waitFor();
      await page.getByRole("button", { name: "Generate token for Robot" }).click();
      const dialog = page.getByRole("dialog", { name: "Generate API token" });
      await dialog.getByRole("textbox", { name: "Name" }).fill("one too many");
      await dialog.getByRole("button", { name: "Generate", exact: true }).click();
      expect(await dialog.getByRole("alert").textContent()).toBe(
        "The organization already has 20 active service-user tokens, the most allowed. Revoke one it no longer needs first (see Organization tokens).",
      );
      await screenshot(page, "admin-limit");
      await page.keyboard.press("Escape");

      await page.getByRole("combobox", { name: "Organization" }).selectOption({ label: `Globex (${otherOrg})` });
      await page.getByText('the permission "api-tokens:admin" in Globex').waitFor();
      expect(await page.getByRole("link", { name: "Integrations" }).count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
