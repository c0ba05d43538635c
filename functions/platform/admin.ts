import { OrganizationTokens } from "../domain/organization-tokens.ts";
import { ServiceUsers } from "../domain/service-users.ts";
import { clock, store } from "./services.ts";

/** Wiring for the admin routes (`api-tokens:admin`). */
export const serviceUsers = () => new ServiceUsers({ store, clock });
export const organizationTokens = () => new OrganizationTokens({ store, clock });
