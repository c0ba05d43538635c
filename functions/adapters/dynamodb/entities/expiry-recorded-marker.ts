import { DAY_SECONDS } from "../../../domain/model.ts";
import { keyAttributes, keys } from "../keys.ts";
import type { Item } from "./entity.ts";

/**
 * Marks that a TTL-deleted token's `token.expired` was recorded: stream deliveries repeat, and the token
 * item is gone, so the marker is what makes the record once-only. It outlives the stream's 24 h retention by
 * a margin, then TTL removes it too.
 */
const MARKER_LIFETIME_SECONDS = 7 * DAY_SECONDS;

export const expiryRecordedMarkerEntity = {
  type: "expiryRecordedMarker",
  key: (tokenId: string) => keys.deletedTokenExpiryRecorded(tokenId),
  toItem: (marker: { tokenId: string; recordedAt: Date }): Item => ({
    ...keys.deletedTokenExpiryRecorded(marker.tokenId),
    type: expiryRecordedMarkerEntity.type,
    [keyAttributes.timeToLive]: Math.floor(marker.recordedAt.getTime() / 1000) + MARKER_LIFETIME_SECONDS,
  }),
} as const;
