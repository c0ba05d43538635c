import { revokeOwnToken } from "../domain/own-token.ts";
import { TokenVerifier } from "../domain/verification.ts";
import { parseBearer } from "../platform/http/bearer.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { clock, store } from "../platform/services.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const verifier = new TokenVerifier({ store, clock });

/** DELETE /v1/token: the API token in `Authorization: Bearer <token>` revokes itself (activity reason `self`). */
export const handler = httpHandler({
  access: "open",
  successStatus: 204,
  authenticate: (event) => verifier.authenticateOwnToken(parseBearer(event.headers?.authorization)),
  run: ({ caller }): Promise<ResponseBody<"revoke-own-token">> => revokeOwnToken({ store, clock }, caller),
});
