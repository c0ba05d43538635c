/**
 * The credential in `Authorization: Bearer <credential>` (scheme case-insensitive, one credential, no spaces in
 * it), or undefined for anything else. The one parser for API tokens (login, the authorizer) and, in the local
 * server, for sessions. Dependency-free: the verify path and the authorizer import it.
 */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function parseBearer(header: string | undefined | null): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}
