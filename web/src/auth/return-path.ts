/** Where the identity provider sends the browser back with the code. */
export const CALLBACK_PATH = "/auth/callback";

/** Only a path of this site: never another origin (an open redirect), never the callback itself. */
export function safeReturnPath(value: string): string {
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  const url = new URL(value, "https://site.invalid");
  if (url.origin !== "https://site.invalid" || url.pathname === CALLBACK_PATH) return "/";
  return `${url.pathname}${url.search}`;
}
