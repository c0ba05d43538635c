import { TokenVerifier } from "../domain/verification.ts";
import { parseBearer } from "../platform/http/bearer.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { clock, store } from "../platform/services.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const verifier = new TokenVerifier({ store, clock });

/** POST /v1/login: log in with a user API token in `Authorization: Bearer <token>`; takes no body or `{}`. */
export const handler = httpHandler({
  access: "open",
  authenticate: (event) => verifier.authenticateLogin(parseBearer(event.headers?.authorization)),
  run: ({ caller }): Promise<ResponseBody<"login-with-token">> => verifier.completeLogin(caller),
});
