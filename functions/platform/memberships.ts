import { Memberships } from "../domain/memberships.ts";
import { clock, store } from "./services.ts";

export const memberships = () => new Memberships({ store, clock });
