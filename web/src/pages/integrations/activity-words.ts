/** An activity entry (API.md "Activity") in words: what happened, and why for the System's entries. */
import type { ActivityEvent } from "../../api/client.ts";
import type { Messages } from "../../i18n/messages.ts";

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** "created token 'CI'" / "hat Token 'CI' erstellt"; an action this page does not know yet still reads as a sentence. */
export function activityWhat(event: Pick<ActivityEvent, "action" | "detail">, t: Messages): string {
  const name = text(event.detail?.name);
  switch (event.action as string) {
    case "token.created":
      return t.activityTokenCreated(name);
    case "token.revoked":
      return t.activityTokenRevoked(name);
    case "token.expired":
      return t.activityTokenExpired(name);
    case "token.login":
      return t.activityTokenLogin(name);
    case "token.rotated":
      return t.activityTokenRotated(name);
    case "service_user.created":
      return t.activityServiceUserCreated(name);
    case "service_user.updated":
      return t.activityServiceUserUpdated(name);
    case "service_user.deleted":
      return t.activityServiceUserDeleted(name);
    default:
      return t.activityUnknown(event.action);
  }
}

/** `detail.reason` in words ("user deactivated", "inactivity", ...); the code itself when it is new; "" without one. */
export function activityWhy(event: Pick<ActivityEvent, "detail">, t: Messages): string {
  const reason = text(event.detail?.reason);
  if (reason === undefined) return "";
  const words: Record<string, string> = {
    user_deactivated: t.reasonUserDeactivated,
    user_removed: t.reasonUserRemoved,
    organization_deleted: t.reasonOrganizationDeleted,
    inactivity: t.reasonInactivity,
    leaked: t.reasonLeaked,
    rotated: t.reasonRotated,
    service_user_deleted: t.reasonServiceUserDeleted,
    self: t.reasonSelf,
    operator: t.reasonOperator,
  };
  return Object.hasOwn(words, reason) ? words[reason]! : reason;
}
