/** One service user's active tokens (whole: at most 20), opened from its row; each can be revoked. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Organization, ServiceUser, Token } from "../../api/client.ts";
import { errorWords } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { ErrorAlert } from "../../components/alert.tsx";
import { RegenerateDialog } from "../../components/regenerate-dialog.tsx";
import { RevokeDialog } from "../../components/revoke-dialog.tsx";
import { TokenTable } from "../../components/token-table.tsx";

export interface ServiceUserTokensProps {
  organization: Organization;
  serviceUser: ServiceUser;
  /** Changes when a token was generated for it: the list loads again. */
  version: number;
  /** A token was revoked: the counts above change. */
  onRevoked(token: Token): void;
}

export function ServiceUserTokens({ organization, serviceUser, version, onRevoked }: ServiceUserTokensProps) {
  const { t, api, format, now } = useApp();
  const [tokens, setTokens] = useState<Token[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [revoking, setRevoking] = useState<Token | undefined>();
  const [regenerating, setRegenerating] = useState<Token | undefined>();
  const [reloads, setReloads] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let current = true;
    api.listServiceUserTokens(organization.orgId, serviceUser.id).then(
      (list) => {
        if (!current) return;
        setTokens(list.tokens);
        setError(undefined);
      },
      (failure) => {
        if (current) setError(errorWords(failure, { t, format, now: now(), scope: "admin" }));
      },
    );
    return () => {
      current = false;
    };
  }, [serviceUser.id, version, reloads]);

  return (
    <section id="service-user-tokens" class="detail" aria-labelledby="service-user-tokens-title">
      <h2 id="service-user-tokens-title" ref={heading} tabIndex={-1}>
        {t.tokensOf(serviceUser.name)}
      </h2>
      <ErrorAlert message={error} />
      {tokens === undefined && !error && <p>{t.loading}</p>}
      {tokens !== undefined &&
        (tokens.length === 0 ? (
          <p class="empty">{t.noServiceUserTokens}</p>
        ) : (
          <TokenTable tokens={tokens} caption={t.tokensOf(serviceUser.name)} onRevoke={setRevoking} onRegenerate={setRegenerating} />
        ))}
      {regenerating && (
        <RegenerateDialog
          token={regenerating}
          needsPassword={false}
          noPasswordNote={t.serviceUserNoPassword}
          rotate={(input) => api.rotateServiceUserToken(organization.orgId, serviceUser.id, regenerating.id, input)}
          describeError={(failure) => errorWords(failure, { t, format, now: now(), scope: "admin" })}
          fallbackFocus={() => heading.current}
          onClose={(rotated) => {
            setRegenerating(undefined);
            if (rotated) setReloads((count) => count + 1);
          }}
        />
      )}
      {revoking && (
        <RevokeDialog
          token={revoking}
          scope="admin"
          revoke={(token) => api.revokeServiceUserToken(organization.orgId, serviceUser.id, token.id)}
          fallbackFocus={() => heading.current}
          onClose={(revoked) => {
            const token = revoking;
            setRevoking(undefined);
            if (!revoked) return;
            setTokens((current) => current?.filter((item) => item.id !== token.id));
            onRevoked(token);
          }}
        />
      )}
    </section>
  );
}
