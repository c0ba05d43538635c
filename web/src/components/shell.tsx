/** The frame of every page: skip link, the main navigation, the language switcher and the person's name bottom left. */
import type { ComponentChildren } from "preact";
import { useApp } from "../app-context.ts";
import type { Language } from "../i18n/messages.ts";
import { catalogs } from "../i18n/messages.ts";
import { INTEGRATIONS_PATH } from "../pages/integrations/integrations-page.tsx";
import { PATHS } from "../pages/profile-pages.tsx";
import { Link, usePath } from "../router.tsx";
import { AccountMenu } from "./account-menu.tsx";

export function Shell({ children }: { children: ComponentChildren }) {
  const { t, language, setLanguage, organization } = useApp();
  const path = usePath();
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <aside class="sidebar">
        <p class="product">{t.productName}</p>
        <nav aria-label={t.mainNavigation} class="main-navigation">
          <Link href={PATHS.home} aria-current={path === PATHS.home ? "page" : undefined}>
            {t.home}
          </Link>
          {/* Only for those who hold api-tokens:admin in the chosen organization (UI.md "Admin pages"). */}
          {organization?.admin && (
            <Link href={INTEGRATIONS_PATH} aria-current={path.startsWith("/integrations") ? "page" : undefined}>
              {t.integrations}
            </Link>
          )}
        </nav>
        <div class="sidebar-foot">
          <div class="field inline language">
            <label for="language">{t.languageLabel}</label>
            <select id="language" value={language} onChange={(event) => setLanguage(event.currentTarget.value as Language)}>
              {(Object.keys(catalogs) as Language[]).map((code) => (
                <option key={code} value={code} lang={code}>
                  {catalogs[code].languageName}
                </option>
              ))}
            </select>
          </div>
          <AccountMenu />
        </div>
      </aside>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
