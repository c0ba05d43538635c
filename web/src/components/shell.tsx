/** The frame of every page: skip link, the main navigation, the language switcher and the person's name bottom left. */
import type { ComponentChildren } from "preact";
import { useApp } from "../app-context.ts";
import type { Language } from "../i18n/messages.ts";
import { catalogs } from "../i18n/messages.ts";
import { PATHS } from "../pages/profile-pages.tsx";
import { Link } from "../router.tsx";
import { AccountMenu } from "./account-menu.tsx";

export function Shell({ children }: { children: ComponentChildren }) {
  const { t, language, setLanguage } = useApp();
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <aside class="sidebar">
        <p class="product">{t.productName}</p>
        <nav aria-label={t.mainNavigation} class="main-navigation">
          <Link href={PATHS.home}>{t.home}</Link>
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
