/**
 * "Generate API token": the name and, where one is needed, the password; then the secret, shown once with
 * click-to-copy. Closing the pop-up (Done, Escape) forgets the secret: it leaves the page. The same pop-up
 * makes a person's own tokens (password unless SSO) and a service user's (no password, the organization's limit):
 * the owner passes how to generate and how to put failures into words.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { CreatedToken } from "../api/client.ts";
import { useApp } from "../app-context.ts";
import { ErrorAlert } from "./alert.tsx";
import { FormActions } from "./form-actions.tsx";
import { Modal } from "./modal.tsx";
import { PasswordOrNote, useSecretRequest } from "./secret-request.tsx";
import { TextField } from "./text-field.tsx";

const MAX_NAME_LENGTH = 100;

export interface GenerateDialogProps {
  /** Makes the token; `password` is given only when `needsPassword`. */
  generate(input: { name: string; password?: string }): Promise<CreatedToken>;
  needsPassword: boolean;
  /** Said instead of the password field when none is needed (SSO, a service user). */
  noPasswordNote: string;
  /** The words before the secret; "Your new API token:" unless given. */
  secretIntro?: string;
  /** An API failure as a sentence (the limit, the password lock, ...), in the page's language. */
  describeError(failure: unknown): string;
  /** Closed; `generated` says whether a token was made (the list reloads). */
  onClose(generated: boolean): void;
}

export function GenerateDialog({ generate, needsPassword, noPasswordNote, secretIntro, describeError, onClose }: GenerateDialogProps) {
  const { t } = useApp();
  const nameInput = useRef<HTMLInputElement>(null);
  const request = useSecretRequest(describeError);
  const close = () => onClose(request.forget());

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    const password = String(data.get("password") ?? "");
    if (name === "") return request.setError(t.errorNameRequired);
    if ([...name].length > MAX_NAME_LENGTH) return request.setError(t.errorNameTooLong);
    if (needsPassword && password === "") return request.setError(t.errorPasswordMissing);
    await request.send(form, () => generate(needsPassword ? { name, password } : { name }));
  }

  return (
    <Modal labelledBy="generate-title" onClose={close} initialFocus={nameInput}>
      <h2 id="generate-title">{t.generateApiToken}</h2>
      {request.secret === undefined ? (
        <form onSubmit={submit} noValidate>
          <TextField
            id="token-name"
            name="name"
            label={t.name}
            hint={t.nameHint}
            autocomplete="off"
            maxLength={MAX_NAME_LENGTH * 2}
            inputRef={nameInput}
          />
          <PasswordOrNote id="token-password" needsPassword={needsPassword} noPasswordNote={noPasswordNote} />
          <ErrorAlert message={request.error} />
          <FormActions submitLabel={t.generate} busy={request.busy} onCancel={close} />
        </form>
      ) : (
        <SecretView secret={request.secret} intro={secretIntro ?? t.secretIntro} onDone={close} />
      )}
    </Modal>
  );
}

/** The new secret, once: click to copy, then Done (the owner forgets it). */
export function SecretView({ secret, intro, onDone }: { secret: string; intro: string; onDone(): void }) {
  const { t } = useApp();
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const copyButton = useRef<HTMLButtonElement>(null);
  // The form and its focused button are gone: focus the one thing to do next.
  useEffect(() => copyButton.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyState("copied");
    } catch {
      // Without clipboard access, select the token so the person can copy it themself.
      const range = document.createRange();
      range.selectNodeContents(copyButton.current!.querySelector("code")!);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      setCopyState("failed");
    }
  }

  return (
    <div>
      <p class="warning" id="secret-warning">
        {t.secretWarning}
      </p>
      <p>{intro}</p>
      <button ref={copyButton} type="button" class="secret" onClick={copy} aria-describedby="secret-warning">
        <span class="secret-label">{t.copyToken}</span> <code>{secret}</code>
      </button>
      <p role="status" class="status">
        {copyState === "copied" ? t.copied : copyState === "failed" ? t.copyFailed : ""}
      </p>
      <div class="actions">
        <button type="button" class="primary" onClick={onDone}>
          {t.done}
        </button>
      </div>
    </div>
  );
}
