import type { MembershipLookup } from "../domain/access.ts";
import { store } from "./services.ts";

/**
 * Wiring for the session routes' access check (`access: "member" | "admin"` in `httpHandler`): memberships are
 * read from the one token store. The factory itself imports no composition root, so it can be built on anything.
 */
export const members: MembershipLookup = store;
