import { organizationTokens as wire } from "../platform/admin.ts";
import { httpHandler } from "../platform/http/http-handler.ts";
import { members } from "../platform/session-access.ts";
import type { ResponseBody } from "../platform/http/contract.ts";

const organizationTokens = wire();

/** DELETE /v1/orgs/{orgId}/admin/tokens/{tokenId}: an admin revokes anyone's token in the organization. */
export const handler = httpHandler({
  access: "admin",
  members,
  successStatus: 204,
  run: ({ membership, pathParameters }): Promise<ResponseBody<"revoke-organization-token">> =>
    organizationTokens.revoke(membership, pathParameters.tokenId ?? ""),
});
