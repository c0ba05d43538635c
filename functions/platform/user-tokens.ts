import { UserTokens } from "../domain/user-tokens.ts";
import { createPasswordCheck } from "./password-check.ts";
import { clock, store } from "./services.ts";

/** Wiring for the user-token routes; only `generate` needs the password check. */
export const userTokensWithPasswordCheck = () => new UserTokens({ store, clock, passwordCheck: createPasswordCheck() });
export const userTokens = () => new UserTokens({ store, clock });
