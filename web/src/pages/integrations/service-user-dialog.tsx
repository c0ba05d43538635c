/**
 * "Add service user" and "Edit <name>": a name and its permissions, comma-separated in one textbox (UI.md).
 * Edit changes both in one PATCH; it takes effect on the next verification of the service user's tokens.
 */
import { useRef, useState } from "preact/hooks";
import type { ServiceUser } from "../../api/client.ts";
import { errorWords } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { ErrorAlert } from "../../components/alert.tsx";
import { FormActions } from "../../components/form-actions.tsx";
import { Modal } from "../../components/modal.tsx";
import { TextField } from "../../components/text-field.tsx";
import { parsePermissions } from "./permissions.ts";

const MAX_NAME_LENGTH = 100;
const MAX_PERMISSIONS = 100;
const MAX_PERMISSION_LENGTH = 100;

export interface ServiceUserDialogProps {
  orgId: string;
  /** Absent: a new one. */
  serviceUser?: ServiceUser;
  onClose(saved: ServiceUser | undefined): void;
  fallbackFocus(): HTMLElement | null | undefined;
}

export function ServiceUserDialog({ orgId, serviceUser, onClose, fallbackFocus }: ServiceUserDialogProps) {
  const { t, api, format, now } = useApp();
  const nameInput = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(data.get("name") ?? "").trim();
    const permissions = parsePermissions(String(data.get("permissions") ?? ""));
    if (name === "") return setError(t.errorNameRequired);
    if ([...name].length > MAX_NAME_LENGTH) return setError(t.errorNameTooLong);
    if (permissions.length > MAX_PERMISSIONS || permissions.some((permission) => [...permission].length > MAX_PERMISSION_LENGTH)) {
      return setError(t.errorPermissionsInvalid);
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = serviceUser
        ? await api.updateServiceUser(orgId, serviceUser.id, { name, permissions })
        : await api.createServiceUser(orgId, { name, permissions });
      onClose(saved.serviceUser);
    } catch (failure) {
      setError(errorWords(failure, { t, format, now: now(), scope: "admin" }));
      setBusy(false);
    }
  }

  return (
    <Modal labelledBy="service-user-title" onClose={() => onClose(undefined)} initialFocus={nameInput} fallbackFocus={fallbackFocus}>
      <h2 id="service-user-title">{serviceUser ? t.editServiceUser : t.addServiceUser}</h2>
      <form onSubmit={submit} noValidate>
        <TextField
          id="service-user-name"
          name="name"
          label={t.name}
          hint={t.serviceUserNameHint}
          autocomplete="off"
          maxLength={MAX_NAME_LENGTH * 2}
          inputRef={nameInput}
          defaultValue={serviceUser?.name}
        />
        <TextField
          id="service-user-permissions"
          name="permissions"
          label={t.permissions}
          hint={t.permissionsHint}
          autocomplete="off"
          required={false}
          defaultValue={serviceUser?.permissions.join(", ")}
        />
        <ErrorAlert message={error} />
        <FormActions submitLabel={t.save} busy={busy} onCancel={() => onClose(undefined)} />
      </form>
    </Modal>
  );
}
