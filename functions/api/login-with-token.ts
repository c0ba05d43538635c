import { TokenVerifier } from "../domain/verification.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { clock, store } from "../platform/services.ts";

const verifier = new TokenVerifier({ store, clock });

/** POST /v1/login: log in with a user API token in `Authorization: Bearer <token>`; takes no body or `{}`. */
export const handler = httpHandler({
  access: "open",
  authenticate: (event) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(event.headers?.authorization ?? "");
    return verifier.authenticateLogin(match?.[1]);
  },
  run: ({ caller }) => verifier.completeLogin(caller),
});
