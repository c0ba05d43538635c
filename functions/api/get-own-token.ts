import { describeOwnToken } from "../domain/own-token.ts";
import { parseBearer } from "../platform/http/bearer.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { tokenVerifier } from "../platform/token-repository.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

/** GET /v1/token: an integration asks about its own API token (`Authorization: Bearer <token>`); counts as use. */
export const handler = httpHandler({
  access: "open",
  authenticate: (event) => tokenVerifier.authenticateOwnToken(parseBearer(event.headers?.authorization)),
  run: async ({ caller }): Promise<ResponseBody<"get-own-token">> => describeOwnToken(await tokenVerifier.useOwnToken(caller)),
});
