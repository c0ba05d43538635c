/**
 * Integrations › Custom integrations (UI.md "Admin pages"), for people holding `api-tokens:admin` in the chosen
 * organization: three WAI-ARIA tabs (arrow keys, Home, End move and select), the chosen one kept in the URL
 * (`?tab=activity`) so a reload or a shared link opens it again. Anyone else is told which permission it needs.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ADMIN_PERMISSION } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { OrganizationSwitcher } from "../../components/organization-switcher.tsx";
import type { Messages } from "../../i18n/messages.ts";
import { ActivityPanel } from "./activity-panel.tsx";
import { OrganizationTokensPanel } from "./organization-tokens-panel.tsx";
import { ServiceUsersPanel } from "./service-users-panel.tsx";

export const INTEGRATIONS_PATH = "/integrations/custom";

const TABS = ["service-users", "organization-tokens", "activity"] as const;
type Tab = (typeof TABS)[number];

const tabWords = (t: Messages): Record<Tab, string> => ({
  "service-users": t.tabServiceUsers,
  "organization-tokens": t.tabOrganizationTokens,
  activity: t.tabActivity,
});

function tabFromUrl(): Tab {
  const asked = new URLSearchParams(location.search).get("tab");
  return TABS.find((tab) => tab === asked) ?? "service-users";
}

export function IntegrationsPage() {
  const { t, organization } = useApp();
  const [tab, setTab] = useState<Tab>(tabFromUrl);
  const tabs = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const back = () => setTab(tabFromUrl());
    window.addEventListener("popstate", back);
    return () => window.removeEventListener("popstate", back);
  }, []);

  function choose(next: Tab, focus: boolean) {
    setTab(next);
    // Replaced, not pushed: moving between tabs is not a page of its own for Back.
    history.replaceState(null, "", `${location.pathname}?tab=${next}`);
    if (focus) tabs.current?.querySelector<HTMLElement>(`#tab-${next}`)?.focus();
  }

  function onKeyDown(event: KeyboardEvent) {
    const at = TABS.indexOf(tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    choose(TABS[(to + TABS.length) % TABS.length]!, true);
  }

  const words = tabWords(t);
  return (
    <>
      <header class="page-header">
        <h1 tabIndex={-1}>{t.customIntegrations}</h1>
      </header>
      <p class="intro">{t.integrationsIntro}</p>
      {organization === undefined ? (
        <p>{t.noOrganizations}</p>
      ) : (
        <>
          <div class="toolbar">
            <OrganizationSwitcher />
          </div>
          {!organization.admin ? (
            <p class="notice">{t.adminPermissionNeeded(ADMIN_PERMISSION, organization.name ?? organization.orgId)}</p>
          ) : (
            <>
              <div ref={tabs} role="tablist" aria-label={t.integrationsSections} class="tabs" onKeyDown={onKeyDown}>
                {TABS.map((name) => (
                  <button
                    key={name}
                    type="button"
                    role="tab"
                    id={`tab-${name}`}
                    aria-selected={tab === name}
                    aria-controls={`panel-${name}`}
                    tabIndex={tab === name ? 0 : -1}
                    onClick={() => choose(name, false)}
                  >
                    {words[name]}
                  </button>
                ))}
              </div>
              {TABS.map((name) => (
                <div
                  key={name}
                  role="tabpanel"
                  id={`panel-${name}`}
                  aria-labelledby={`tab-${name}`}
                  hidden={tab !== name}
                  class="tab-panel"
                >
                  {tab === name && name === "service-users" && <ServiceUsersPanel key={organization.orgId} organization={organization} />}
                  {tab === name && name === "organization-tokens" && (
                    <OrganizationTokensPanel key={organization.orgId} organization={organization} />
                  )}
                  {tab === name && name === "activity" && <ActivityPanel key={organization.orgId} organization={organization} />}
                </div>
              ))}
            </>
          )}
        </>
      )}
    </>
  );
}
