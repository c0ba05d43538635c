/**
 * Service users (UI.md): the table (name, permissions, active tokens, created), add, edit, delete with a
 * confirmation, generate a token without a password (the copy-once pop-up), and one service user's tokens
 * below the table. The organization's use of its 20 service-user tokens is said above the table.
 */
import { useRef, useState } from "preact/hooks";
import type { Organization, ServiceUser, ServiceUserPage } from "../../api/client.ts";
import { errorWords } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { ErrorAlert } from "../../components/alert.tsx";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { GenerateDialog } from "../../components/generate-dialog.tsx";
import { LoadMore } from "./load-more.tsx";
import { ServiceUserDialog } from "./service-user-dialog.tsx";
import { ServiceUserTokens } from "./service-user-tokens.tsx";
import { usePagedList } from "./use-paged-list.ts";

type Dialog =
  | { kind: "add" }
  | { kind: "edit"; serviceUser: ServiceUser }
  | { kind: "delete"; serviceUser: ServiceUser }
  | { kind: "generate"; serviceUser: ServiceUser };

export function ServiceUsersPanel({ organization }: { organization: Organization }) {
  const { t, api, format, now } = useApp();
  const orgId = organization.orgId;
  const describeError = (failure: unknown) => errorWords(failure, { t, format, now: now(), scope: "admin" });
  const [serviceTokens, setServiceTokens] = useState<ServiceUserPage["serviceTokens"] | undefined>();
  const list = usePagedList<ServiceUser>(
    async (paging) => {
      const page = await api.listServiceUsers(orgId, paging);
      setServiceTokens(page.serviceTokens);
      return { items: page.serviceUsers, nextCursor: page.nextCursor };
    },
    describeError,
    orgId,
  );
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const [shown, setShown] = useState<{ id: string; version: number } | undefined>();
  const [announcement, setAnnouncement] = useState("");
  const addButton = useRef<HTMLButtonElement>(null);
  const table = useRef<HTMLTableElement>(null);
  const shownUser = list.items.find((serviceUser) => serviceUser.id === shown?.id);

  const showTokens = (serviceUser: ServiceUser, focus: boolean) => {
    setShown((current) => ({ id: serviceUser.id, version: (current?.version ?? 0) + 1 }));
    if (focus) requestAnimationFrame(() => document.getElementById("service-user-tokens-title")?.focus());
  };

  return (
    <>
      <p class="intro">{t.serviceUsersIntro}</p>
      <div class="toolbar">
        <p class="usage">
          {serviceTokens && t.serviceTokensInUse(serviceTokens.active, serviceTokens.limit)}
          {serviceTokens && serviceTokens.active >= serviceTokens.limit && <strong class="limit-note"> {t.serviceLimitReached}</strong>}
        </p>
        <button ref={addButton} type="button" class="primary" onClick={() => setDialog({ kind: "add" })}>
          {t.addServiceUser}
        </button>
      </div>
      <p role="status" class="status">
        {announcement}
      </p>
      {list.loading && !list.error && <p>{t.loading}</p>}
      <ErrorAlert message={list.error} />
      {!list.loading && list.items.length === 0 && !list.error && <p class="empty">{t.noServiceUsers(t.addServiceUser)}</p>}
      {list.items.length > 0 && (
        <table class="tokens" ref={table} tabIndex={-1}>
          <caption class="visually-hidden">{t.serviceUsersCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{t.columnName}</th>
              <th scope="col">{t.columnPermissions}</th>
              <th scope="col">{t.columnActiveTokens}</th>
              <th scope="col">{t.columnCreated}</th>
              <th scope="col">
                <span class="visually-hidden">{t.columnActions}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((serviceUser) => (
              <tr key={serviceUser.id}>
                <th scope="row" class="token-name">
                  {serviceUser.name}
                </th>
                <td data-label={t.columnPermissions} class="wrap">
                  {serviceUser.permissions.length > 0 ? serviceUser.permissions.join(", ") : t.noPermissions}
                </td>
                <td data-label={t.columnActiveTokens}>{serviceUser.activeTokenCount}</td>
                <td data-label={t.columnCreated}>
                  <time dateTime={serviceUser.createdAt}>{format.date(serviceUser.createdAt)}</time>
                </td>
                <td class="row-actions">
                  <div class="row-buttons">
                    <button
                      type="button"
                      aria-label={t.showTokensOf(serviceUser.name)}
                      aria-expanded={shown?.id === serviceUser.id}
                      aria-controls={shown?.id === serviceUser.id ? "service-user-tokens" : undefined}
                      onClick={() => (shown?.id === serviceUser.id ? setShown(undefined) : showTokens(serviceUser, true))}
                    >
                      {t.tokensButton}
                    </button>
                    <button
                      type="button"
                      aria-label={t.generateTokenFor(serviceUser.name)}
                      onClick={() => setDialog({ kind: "generate", serviceUser })}
                    >
                      {t.generate}
                    </button>
                    <button
                      type="button"
                      aria-label={t.editNamed(serviceUser.name)}
                      onClick={() => setDialog({ kind: "edit", serviceUser })}
                    >
                      {t.edit}
                    </button>
                    <button
                      type="button"
                      class="danger-quiet"
                      aria-label={t.deleteNamed(serviceUser.name)}
                      onClick={() => setDialog({ kind: "delete", serviceUser })}
                    >
                      {t.delete}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore list={list} afterLast={table} />
      {shownUser && (
        <ServiceUserTokens
          key={shownUser.id}
          organization={organization}
          serviceUser={shownUser}
          version={shown?.version ?? 0}
          onRevoked={(token) => {
            setAnnouncement(t.revoked(token.name));
            void list.reload();
          }}
        />
      )}
      {(dialog?.kind === "add" || dialog?.kind === "edit") && (
        <ServiceUserDialog
          orgId={orgId}
          serviceUser={dialog.kind === "edit" ? dialog.serviceUser : undefined}
          fallbackFocus={() => addButton.current}
          onClose={(saved) => {
            setDialog(undefined);
            if (!saved) return;
            setAnnouncement(t.saved(saved.name));
            void list.reload();
          }}
        />
      )}
      {dialog?.kind === "generate" && (
        <GenerateDialog
          generate={({ name }) => api.generateServiceUserToken(orgId, dialog.serviceUser.id, { name })}
          needsPassword={false}
          noPasswordNote={t.serviceUserNoPassword}
          secretIntro={t.serviceUserSecretIntro}
          describeError={describeError}
          onClose={(generated) => {
            const { serviceUser } = dialog;
            setDialog(undefined);
            if (!generated) return;
            void list.reload();
            showTokens(serviceUser, false);
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title={t.deleteTitle(dialog.serviceUser.name)}
          warning={format.plural(dialog.serviceUser.activeTokenCount, t.deleteWarning)}
          confirmLabel={t.delete}
          action={() => api.deleteServiceUser(orgId, dialog.serviceUser.id)}
          describeError={describeError}
          fallbackFocus={() => addButton.current}
          onClose={(deleted) => {
            const { serviceUser } = dialog;
            setDialog(undefined);
            if (!deleted) return;
            if (shown?.id === serviceUser.id) setShown(undefined);
            list.update((items) => items.filter((item) => item.id !== serviceUser.id));
            setAnnouncement(t.deleted(serviceUser.name));
            void list.reload();
          }}
        />
      )}
    </>
  );
}
