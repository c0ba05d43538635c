import type { PasswordCheck, SessionPerson } from "../../domain/ports.ts";

/** What the local identity provider (local/identity-provider.ts) offers the password re-check. */
export interface LocalPasswordVerifier {
  verifyPassword(userId: string, password: string): Promise<boolean>;
}

// On globalThis rather than in a module variable: the local server and the handler modules it imports must
// see one registration even if a module loader gives them separate copies of this module.
const REGISTRATION = Symbol.for("api-token-service.local-identity-provider");
type Registry = { [REGISTRATION]?: LocalPasswordVerifier };

/** The local server (`npm start`) registers its identity provider, which runs in the same process. */
export function registerLocalIdentityProvider(provider: LocalPasswordVerifier | undefined): void {
  (globalThis as Registry)[REGISTRATION] = provider;
}

/**
 * Asks the local identity provider whether a password is right, in-process. Local mode only. Deliberately not
 * over HTTP: a `verify-password` route would answer anyone, unthrottled, an open password oracle that skips
 * the service's password lock.
 */
export class LocalPasswordCheck implements PasswordCheck {
  /** The local identity provider knows people by their platform id (its sessions' `sub`). */
  async verify({ userId }: SessionPerson, password: string): Promise<boolean> {
    const provider = (globalThis as Registry)[REGISTRATION];
    // Thrown, not "wrong": a missing identity provider is an outage and must not count as a failed password.
    if (!provider) throw new Error("PASSWORD_CHECK=local needs the local identity provider in this process (npm start).");
    return provider.verifyPassword(userId, password);
  }
}
