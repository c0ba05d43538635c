import type { TokenEvent, TokenRecord } from "../../../domain/model.ts";
import { keys } from "../keys.ts";
import { outbox } from "./activity-record.ts";
import type { Item } from "./entity.ts";

/**
 * A token's `Token Expiring Soon` in the outbox (the activity table): an item of its own, as the warning is
 * no activity and is never listed. Keyed by the token and its idle stretch, and written only if absent, so
 * one idle stretch is warned once whatever the job's retries and overlaps.
 */
export const expiryWarningEntity = {
  type: "expiryWarning",
  toItem: (warning: { token: TokenRecord; idleStretch: string; event: TokenEvent }): Item => ({
    ...keys.expiryWarning(warning.token.id, warning.idleStretch),
    type: expiryWarningEntity.type,
    orgId: warning.token.orgId,
    tokenId: warning.token.id,
    at: warning.event.detail.at as string,
    ...outbox([warning.event]),
  }),
} as const;
