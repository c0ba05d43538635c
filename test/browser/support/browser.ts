/**
 * Headless Chromium (Debian's `chromium` package, never a downloaded browser) driven by playwright-core, for
 * the page's tests: a browser per file, a fresh context per test (its own sessionStorage and clipboard), the
 * local identity provider's sign-in page, axe-core, and screenshots written as test artifacts.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_PATH, INSTALL_HINT } from "./chromium.ts";

export const ARTIFACTS_DIR = resolve(import.meta.dirname, "../../../test-artifacts/browser");

/** The flags this machine's closed network needs (no background connections, no sandbox as root). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: ${INSTALL_HINT}`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error("the browser did not start (beforeAll failed?)");
      return browser;
    },
  };
}

export interface PageOptions {
  baseUrl: string;
  locale?: "en-US" | "de-DE";
  width?: number;
}

export async function newPage(
  browser: Browser,
  { baseUrl, locale = "en-US", width = 1280 }: PageOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale,
    viewport: { width, height: 900 },
    timezoneId: "Europe/Berlin",
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** Opens `path`; the page sends the browser to the local sign-in page, which brings it back there. */
export async function signIn(page: Page, path: string, person: { email: string; password: string }, language: "en" | "de" = "en") {
  await page.goto(path);
  const text =
    language === "de"
      ? { email: "E-Mail", password: "Passwort", submit: "Anmelden" }
      : { email: "Email", password: "Password", submit: "Sign in" };
  await page.getByRole("textbox", { name: text.email }).fill(person.email);
  await page.getByLabel(text.password, { exact: true }).fill(person.password);
  await page.getByRole("button", { name: text.submit }).click();
  await page.waitForURL((url) => url.pathname === path.split("?")[0]);
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * axe-core's serious and critical violations on the page as it is now (an open pop-up included). The engine is
 * evaluated through the DevTools protocol, which the page's CSP (no inline script) does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const loaded = await page.evaluate<boolean>("typeof window.axe === 'object'");
  if (!loaded) await page.evaluate(axeSource);
  // A string, so that it runs in the page as written (the test process has no DOM types).
  const violations = await page.evaluate<AxeViolation[]>(`window.axe.run(document, { resultTypes: ["violations"] }).then((result) =>
    result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) })))`);
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
