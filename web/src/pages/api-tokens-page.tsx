/** The help article's page: the person's own API tokens in the chosen organization. */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorWords, USER_TOKEN_LIMIT } from "../api/error-words.ts";
import type { Token } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ErrorAlert } from "../components/alert.tsx";
import { GenerateDialog } from "../components/generate-dialog.tsx";
import { RegenerateDialog } from "../components/regenerate-dialog.tsx";
import { OrganizationSwitcher } from "../components/organization-switcher.tsx";
import { RevokeDialog } from "../components/revoke-dialog.tsx";
import { TokenTable } from "../components/token-table.tsx";
import { SettingsNavigation } from "./profile-pages.tsx";

type Load = { state: "loading" } | { state: "loaded"; tokens: Token[] } | { state: "failed"; message: string };

export function ApiTokensPage() {
  const { t, api, format, now, organization } = useApp();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [generating, setGenerating] = useState(false);
  const [revoking, setRevoking] = useState<Token | undefined>();
  const [regenerating, setRegenerating] = useState<Token | undefined>();
  const [announcement, setAnnouncement] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  const generateButton = useRef<HTMLButtonElement>(null);
  const orgId = organization?.orgId;

  async function reload() {
    if (!orgId) return;
    try {
      const { tokens } = await api.listTokens(orgId);
      setLoad({ state: "loaded", tokens });
    } catch (failure) {
      setLoad({ state: "failed", message: errorWords(failure, { t, format, now: now() }) });
    }
  }

  useEffect(() => {
    setLoad({ state: "loading" });
    setAnnouncement("");
    void reload();
  }, [orgId]);

  const tokens = load.state === "loaded" ? load.tokens : [];
  // Tokens replaced by a rotation keep working until their grace ends, but no longer count toward the limit.
  const counted = tokens.filter((token) => !token.graceEndsAt).length;
  return (
    <>
      <header class="page-header">
        <h1 ref={heading} tabIndex={-1}>
          {t.apiTokens}
        </h1>
        <SettingsNavigation />
      </header>
      <p class="intro">{t.tokensIntro}</p>
      {organization === undefined ? (
        <p>{t.noOrganizations}</p>
      ) : (
        <>
          <div class="toolbar">
            <OrganizationSwitcher />
            <button ref={generateButton} type="button" class="primary" onClick={() => setGenerating(true)}>
              {t.generateApiToken}
            </button>
          </div>
          <p role="status" class="status">
            {announcement}
          </p>
          {load.state === "loading" && <p>{t.loading}</p>}
          {load.state === "failed" && <ErrorAlert message={load.message} />}
          {load.state === "loaded" && (
            <>
              <p>
                {format.plural(counted, t.tokensInUse)} {t.tokensLimit(USER_TOKEN_LIMIT)}
                {counted >= USER_TOKEN_LIMIT && <strong class="limit-note"> {t.limitReachedNote}</strong>}
              </p>
              {tokens.length === 0 ? (
                <p class="empty">{t.emptyList(t.generateApiToken)}</p>
              ) : (
                <TokenTable tokens={tokens} onRevoke={setRevoking} onRegenerate={setRegenerating} />
              )}
            </>
          )}
          {generating && (
            <GenerateDialog
              generate={(input) => api.generateToken(organization.orgId, input)}
              needsPassword={!organization.ssoEnforced}
              noPasswordNote={t.ssoNoPassword}
              describeError={(failure) => errorWords(failure, { t, format, now: now(), tokens })}
              onClose={(generated) => {
                setGenerating(false);
                if (generated) void reload();
              }}
            />
          )}
          {regenerating && (
            <RegenerateDialog
              token={regenerating}
              needsPassword={!organization.ssoEnforced}
              noPasswordNote={t.ssoNoPassword}
              rotate={(input) => api.rotateToken(organization.orgId, regenerating.id, input)}
              describeError={(failure) => errorWords(failure, { t, format, now: now(), tokens })}
              fallbackFocus={() => generateButton.current}
              onClose={(rotated) => {
                setRegenerating(undefined);
                if (rotated) void reload();
              }}
            />
          )}
          {revoking && (
            <RevokeDialog
              token={revoking}
              revoke={(token) => api.revokeToken(organization.orgId, token.id)}
              fallbackFocus={() => generateButton.current}
              onClose={(revoked) => {
                const token = revoking;
                setRevoking(undefined);
                if (revoked) {
                  setLoad((current) =>
                    current.state === "loaded"
                      ? { state: "loaded", tokens: current.tokens.filter((item) => item.id !== token.id) }
                      : current,
                  );
                  setAnnouncement(t.revoked(token.name));
                }
              }}
            />
          )}
        </>
      )}
    </>
  );
}
