/** The page once signed in: who the person is (`GET /v1/me`), the chosen organization and language, the routes. */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Api, Me } from "./api/client.ts";
import { AppContext, type AppState } from "./app-context.ts";
import type { Auth } from "./auth/session.ts";
import { ErrorAlert } from "./components/alert.tsx";
import { Shell } from "./components/shell.tsx";
import { formatterFor } from "./i18n/format.ts";
import { catalogs, type Language } from "./i18n/messages.ts";
import { ApiTokensPage } from "./pages/api-tokens-page.tsx";
import { INTEGRATIONS_PATH, IntegrationsPage } from "./pages/integrations/integrations-page.tsx";
import { HomePage, NotFoundPage, PATHS, ProfilePage, SettingsPage } from "./pages/profile-pages.tsx";
import { navigate, usePath } from "./router.tsx";

const LANGUAGE_KEY = "api-tokens.language";
const ORGANIZATION_KEY = "api-tokens.organization";

export function storedLanguage(): Language | undefined {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  return stored === "en" || stored === "de" ? stored : undefined;
}

export function App({ api, auth, initialLanguage }: { api: Api; auth: Auth; initialLanguage: Language }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const [me, setMe] = useState<Me | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [orgId, setOrgId] = useState<string | undefined>(() => sessionStorage.getItem(ORGANIZATION_KEY) ?? undefined);
  const path = usePath();
  const t = catalogs[language];

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  useEffect(() => {
    api.me().then(setMe, () => setFailure(catalogs[language].errorUnavailable(undefined)));
  }, []);

  const state = useMemo<AppState | undefined>(() => {
    if (!me) return undefined;
    const session = auth.session();
    const organization = me.organizations.find((org) => org.orgId === orgId) ?? me.organizations[0];
    return {
      language,
      t,
      format: formatterFor(language),
      setLanguage(next) {
        localStorage.setItem(LANGUAGE_KEY, next);
        setLanguageState(next);
      },
      api,
      auth,
      me,
      displayName: me.user.name ?? session?.userId ?? me.user.id,
      organization,
      setOrganization(next) {
        sessionStorage.setItem(ORGANIZATION_KEY, next);
        setOrgId(next);
      },
      now: api.now,
    };
  }, [me, language, orgId]);

  const page = pageFor(path);
  useEffect(() => {
    document.title = `${titleFor(path, t)} · ${t.productName}`;
  }, [path, language]);

  if (!state) {
    return <main class="loading">{failure ? <ErrorAlert message={failure} /> : <p>{t.loading}</p>}</main>;
  }
  return (
    <AppContext.Provider value={state}>
      <Shell>{page}</Shell>
    </AppContext.Provider>
  );
}

/** Integrations has one section so far: its path leads there. */
const INTEGRATIONS_ROOT = "/integrations";

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(`${to}${location.search}`, { replace: true }), []);
  return null;
}

type Messages = (typeof catalogs)[Language];

/** The page's routes: each path's page and the title the tab shows for it. */
const PAGES: Record<string, { page: () => JSX.Element; title: (t: Messages) => string }> = {
  [PATHS.home]: { page: () => <HomePage />, title: (t) => t.home },
  [PATHS.profile]: { page: () => <ProfilePage />, title: (t) => t.myProfile },
  [PATHS.settings]: { page: () => <SettingsPage />, title: (t) => t.settings },
  [PATHS.apiTokens]: { page: () => <ApiTokensPage />, title: (t) => t.apiTokens },
  [INTEGRATIONS_PATH]: { page: () => <IntegrationsPage />, title: (t) => t.customIntegrations },
  [INTEGRATIONS_ROOT]: { page: () => <Redirect to={INTEGRATIONS_PATH} />, title: (t) => t.customIntegrations },
};
const NOT_FOUND = { page: () => <NotFoundPage />, title: (t: Messages) => t.notFoundTitle };

const routeOf = (path: string) => PAGES[path.replace(/\/+$/, "") || "/"] ?? NOT_FOUND;
const pageFor = (path: string) => routeOf(path).page();
const titleFor = (path: string, t: Messages): string => routeOf(path).title(t);
