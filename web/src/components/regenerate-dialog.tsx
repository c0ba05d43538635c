/**
 * "Regenerate API token" (a rotation, API.md "Rotation"): how long the old token keeps working (none, 1 hour,
 * 24 hours), the password as for generating, then the new secret once. The old token is listed as replaced
 * until its grace ends; the person pastes the new one into the integration meanwhile.
 */
import { useRef } from "preact/hooks";
import type { CreatedToken, Token } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ErrorAlert } from "./alert.tsx";
import { FormActions } from "./form-actions.tsx";
import { SecretView } from "./generate-dialog.tsx";
import { Modal } from "./modal.tsx";
import { PasswordOrNote, useSecretRequest } from "./secret-request.tsx";

const GRACES = [
  { seconds: 0, label: "graceNone" },
  { seconds: 3_600, label: "graceHour" },
  { seconds: 86_400, label: "graceDay" },
] as const;

export interface RegenerateDialogProps {
  token: Token;
  needsPassword: boolean;
  noPasswordNote: string;
  rotate(input: { password?: string; graceSeconds: number }): Promise<CreatedToken>;
  describeError(failure: unknown): string;
  /** Closed; `rotated` says whether a new token was made (the list reloads). */
  onClose(rotated: boolean): void;
  fallbackFocus(): HTMLElement | null | undefined;
}

export function RegenerateDialog({
  token,
  needsPassword,
  noPasswordNote,
  rotate,
  describeError,
  onClose,
  fallbackFocus,
}: RegenerateDialogProps) {
  const { t } = useApp();
  const firstChoice = useRef<HTMLInputElement>(null);
  const request = useSecretRequest(describeError);
  const close = () => onClose(request.forget());

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const password = String(data.get("password") ?? "");
    const graceSeconds = Number(data.get("grace") ?? 0);
    if (needsPassword && password === "") return request.setError(t.errorPasswordMissing);
    await request.send(form, () => rotate(needsPassword ? { password, graceSeconds } : { graceSeconds }));
  }

  return (
    <Modal
      labelledBy="regenerate-title"
      describedBy="regenerate-intro"
      onClose={close}
      initialFocus={firstChoice}
      fallbackFocus={fallbackFocus}
    >
      <h2 id="regenerate-title">{t.regenerateApiToken}</h2>
      <p id="regenerate-intro">{t.regenerateIntro(token.name)}</p>
      {request.secret === undefined ? (
        <form onSubmit={submit} noValidate>
          <div class="field" role="radiogroup" aria-labelledby="grace-label" aria-describedby="grace-hint">
            <span id="grace-label" class="label">
              {t.keepOldWorking}
            </span>
            <div class="choices">
              {GRACES.map((grace, index) => (
                <label key={grace.seconds} class="choice">
                  <input
                    ref={index === 0 ? firstChoice : undefined}
                    type="radio"
                    name="grace"
                    value={grace.seconds}
                    defaultChecked={index === 0}
                  />
                  {t[grace.label]}
                </label>
              ))}
            </div>
            <p id="grace-hint" class="hint">
              {t.graceHint}
            </p>
          </div>
          <PasswordOrNote id="regenerate-password" needsPassword={needsPassword} noPasswordNote={noPasswordNote} />
          <ErrorAlert message={request.error} />
          <FormActions submitLabel={t.regenerate} busy={request.busy} onCancel={close} />
        </form>
      ) : (
        <SecretView secret={request.secret} intro={t.regenerateSecretIntro} onDone={close} />
      )}
    </Modal>
  );
}
