import type { PasswordCheck } from "../../domain/ports.ts";

/** Asks the local identity provider (served by `npm start`) whether a password is right. Local mode only. */
export class LocalPasswordCheck implements PasswordCheck {
  constructor(private readonly idpUrl: string) {}

  async verify(userId: string, password: string): Promise<boolean> {
    const response = await fetch(`${this.idpUrl}/verify-password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId, password }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`Local identity provider answered ${response.status}`);
    const result = (await response.json()) as { valid?: unknown };
    return result.valid === true;
  }
}
