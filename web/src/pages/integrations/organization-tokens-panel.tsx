/**
 * Organization tokens (UI.md): every active token of the organization, of both kinds, with its kind and owner;
 * an admin revokes any of them after a confirmation. Long lists page with "Load more".
 */
import { useRef, useState } from "preact/hooks";
import type { AdminToken, Organization } from "../../api/client.ts";
import { errorWords } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { ErrorAlert } from "../../components/alert.tsx";
import { RevokeDialog } from "../../components/revoke-dialog.tsx";
import { TokenTable } from "../../components/token-table.tsx";
import { LoadMore } from "./load-more.tsx";
import { usePagedList } from "./use-paged-list.ts";

export function OrganizationTokensPanel({ organization }: { organization: Organization }) {
  const { t, api, format, now } = useApp();
  const orgId = organization.orgId;
  const list = usePagedList<AdminToken>(
    async (paging) => {
      const page = await api.listOrganizationTokens(orgId, paging);
      return { items: page.tokens, nextCursor: page.nextCursor };
    },
    (failure) => errorWords(failure, { t, format, now: now(), scope: "admin" }),
    orgId,
  );
  const [revoking, setRevoking] = useState<AdminToken | undefined>();
  const [announcement, setAnnouncement] = useState("");
  const top = useRef<HTMLParagraphElement>(null);

  return (
    <>
      <p class="intro" ref={top} tabIndex={-1}>
        {t.organizationTokensIntro}
      </p>
      <p role="status" class="status">
        {announcement}
      </p>
      {list.loading && !list.error && <p>{t.loading}</p>}
      <ErrorAlert message={list.error} />
      {!list.loading && !list.error && list.items.length === 0 && <p class="empty">{t.noOrganizationTokens}</p>}
      {list.items.length > 0 && (
        <TokenTable<AdminToken> tokens={list.items} caption={t.organizationTokensCaption} withOwner onRevoke={setRevoking} />
      )}
      <LoadMore list={list} afterLast={top} />
      {revoking && (
        <RevokeDialog
          token={revoking}
          scope="admin"
          revoke={(token) => api.revokeOrganizationToken(orgId, token.id)}
          fallbackFocus={() => top.current}
          onClose={(revoked) => {
            const token = revoking;
            setRevoking(undefined);
            if (!revoked) return;
            list.update((items) => items.filter((item) => item.id !== token.id));
            setAnnouncement(t.revoked(token.name));
          }}
        />
      )}
    </>
  );
}
