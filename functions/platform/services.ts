import { DynamoDbTokenStore } from "../adapters/dynamodb/dynamodb-token-store.ts";
import type { TokenStore } from "../domain/ports.ts";
import { clock, documentClient, storeOptions, tableNames } from "./runtime.ts";

/**
 * The composition root for the functions that need the whole store (every aggregate). Adapters that only
 * some functions need (password check) are wired in their own modules; the verification path takes only the
 * token repository (token-repository.ts), so its bundle carries neither.
 */
export const store: TokenStore = new DynamoDbTokenStore(documentClient, tableNames, storeOptions);
export { clock };
