/** The "Permissions" textbox holds a comma-separated list (UI.md). */

/** "a, b ,, c" → ["a", "b", "c"]: trimmed, empty ones dropped, each once. */
export function parsePermissions(text: string): string[] {
  return [...new Set(text.split(",").map((permission) => permission.trim()))].filter((permission) => permission !== "");
}
