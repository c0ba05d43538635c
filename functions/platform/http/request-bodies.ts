import * as z from "zod/mini";
import { accessListSchema, nameSchema } from "../../domain/schemas.ts";

/**
 * The request bodies of the routes that take one (API.md), in one module so the OpenAPI generator
 * (docs/generate-openapi.ts) describes exactly what the handlers check. zod/mini only: the handlers import these.
 * Verify's body is parsed by hand on the hot path (functions/api/verify-token.ts); `verifyRequestBody` here
 * describes it for the document only, and test/unit/verify-body-schema.test.ts holds the two to agreement.
 */
export const generateUserTokenRequestBody = z.strictObject({
  name: nameSchema,
  // Checked as a string here; whether it is needed (SSO) and right is the domain's call.
  password: z.optional(z.string().check(z.maxLength(1024))),
});

/** API.md "Rotation": how long the old token keeps working, 0..86400 seconds (default 0: it stops at once). */
const graceSeconds = z.optional(z.int().check(z.gte(0), z.lte(86_400)));

export const rotateUserTokenRequestBody = z.strictObject({
  password: z.optional(z.string().check(z.maxLength(1024))),
  graceSeconds,
});

export const rotateServiceUserTokenRequestBody = z.strictObject({ graceSeconds });

export const createServiceUserRequestBody = z.strictObject({ name: nameSchema, permissions: accessListSchema });

export const updateServiceUserRequestBody = z
  .strictObject({ name: z.optional(nameSchema), permissions: z.optional(accessListSchema) })
  .check(z.refine((patch) => patch.name !== undefined || patch.permissions !== undefined, "give name, permissions or both"));

export const generateServiceUserTokenRequestBody = z.strictObject({ name: nameSchema });

/** Any string is a token to verify (a wrong shape is the answer `malformed`, not a bad request). */
export const verifyRequestBody = z.strictObject({ token: z.string(), orgId: z.optional(z.string()) });

/**
 * `POST /v1/revoke-leaked`: 1–100 strings, whatever they hold (a string that is no token is answered like any
 * other, so the body's shape is all that is checked; the 16 KiB body limit bounds their size).
 */
export const revokeLeakedRequestBody = z.strictObject({
  tokens: z.array(z.string()).check(z.minLength(1), z.maxLength(100)),
});
