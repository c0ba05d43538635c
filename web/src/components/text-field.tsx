/** A labelled text input with its hint: the label names it (UI.md's textbox names), the hint describes it. */
import type { Ref } from "preact";

export interface TextFieldProps {
  id: string;
  name: string;
  label: string;
  hint?: string;
  type?: "text" | "password";
  autocomplete: string;
  maxLength?: number;
  inputRef?: Ref<HTMLInputElement>;
  defaultValue?: string;
  /** Announced as required (default); an optional field says so by leaving it out. */
  required?: boolean;
}

export function TextField({
  id,
  name,
  label,
  hint,
  type = "text",
  autocomplete,
  maxLength,
  inputRef,
  defaultValue,
  required = true,
}: TextFieldProps) {
  const common = {
    ref: inputRef,
    id,
    name,
    autocomplete,
    maxLength,
    defaultValue,
    "aria-describedby": hint ? `${id}-hint` : undefined,
    required,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {type === "password" ? <input {...common} type="password" /> : <input {...common} type="text" />}
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
