/**
 * Every function's production bundle, built exactly as the CDK app builds it (infra/bundling.ts: the props
 * OperationFunction gives NodejsFunction, as esbuild options), for every function the stack makes
 * (infra/all-functions.ts). And each function's SDK floor: a bundle of only the AWS SDK clients its bundle
 * includes (from esbuild's metafile), one command each, built with the same options.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { allFunctionDefinitions } from "../infra/all-functions.ts";
import { esbuildOptionsOf, lambdaBundling } from "../infra/bundling.ts";
import { REPOSITORY_ROOT } from "../infra/constructs/operation-function.ts";

export interface Bundle {
  /** The function's operation, or the floor's name (`sdk:` and its clients). */
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
}

export interface FunctionBundle extends Bundle {
  /** The `@aws-sdk/*` client packages the bundle includes, sorted. */
  readonly sdkClients: readonly string[];
  /** The name of its SDK floor bundle. */
  readonly floor: string;
}

const productionOptions = () => esbuildOptionsOf(lambdaBundling({ sourceMaps: false }));

/** Per client package: what the floor imports, makes at module scope (as the functions do) and sends. */
const SDK_CLIENTS: Record<string, { imports: string; setup: string; send: string }> = {
  // The functions reach DynamoDB through the document client (lib-dynamodb); that pair is the usual floor.
  "@aws-sdk/lib-dynamodb": {
    imports:
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";',
    setup: "const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
    send: "dynamodb.send(new GetCommand({ TableName: event.table, Key: event.key, ConsistentRead: true }))",
  },
  "@aws-sdk/client-dynamodb": {
    imports: 'import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";',
    setup: "const dynamodb = new DynamoDBClient({});",
    send: "dynamodb.send(new GetItemCommand({ TableName: event.table, Key: event.key, ConsistentRead: true }))",
  },
  "@aws-sdk/client-cognito-identity-provider": {
    imports: 'import { AdminInitiateAuthCommand, CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";',
    setup: "const cognito = new CognitoIdentityProviderClient({});",
    send: "cognito.send(new AdminInitiateAuthCommand(event.auth))",
  },
  "@aws-sdk/client-eventbridge": {
    imports: 'import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";',
    setup: "const eventbridge = new EventBridgeClient({});",
    send: "eventbridge.send(new PutEventsCommand({ Entries: event.entries }))",
  },
  "@aws-sdk/client-sqs": {
    imports: 'import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";',
    setup: "const sqs = new SQSClient({});",
    send: "sqs.send(new ReceiveMessageCommand({ QueueUrl: event.queueUrl }))",
  },
  "@aws-sdk/client-lambda": {
    imports: 'import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";',
    setup: "const lambda = new LambdaClient({});",
    send: "lambda.send(new InvokeCommand({ FunctionName: event.functionName }))",
  },
};

/**
 * The `@aws-sdk/client-*` (and lib-*) packages whose code is in the bundle: files that put bytes in the
 * output (a package imported but tree-shaken away entirely is not in it).
 */
export function sdkClientsOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /(?:^|\/)node_modules\/(@aws-sdk\/(?:client|lib)-[^/]+)\//.exec(input);
      if (match && bytesInOutput > 0) found.add(match[1]!);
    }
  }
  return [...found].sort();
}

/** The floor entry's source for a set of client packages: one client each at module scope, one command each. */
export function floorSource(clients: readonly string[]): string {
  if (clients.includes("@aws-sdk/lib-dynamodb") && !clients.includes("@aws-sdk/client-dynamodb")) {
    throw new Error("bench: a bundle with @aws-sdk/lib-dynamodb but not @aws-sdk/client-dynamodb.");
  }
  const entries = floorClients(clients).map((name) => {
    const entry = SDK_CLIENTS[name];
    if (!entry) throw new Error(`bench: no SDK floor entry for ${name}; add one to SDK_CLIENTS in bench/bundles.ts.`);
    return entry;
  });
  return [
    ...entries.map((entry) => entry.imports),
    ...entries.map((entry) => entry.setup),
    `export const handler = async (event) => Promise.all([${entries.map((entry) => entry.send).join(", ")}]);`,
    "",
  ].join("\n");
}

/** One floor entry per client: the document client's entry stands for the DynamoDB client it wraps. */
const floorClients = (clients: readonly string[]) =>
  clients.filter((name) => !(name === "@aws-sdk/client-dynamodb" && clients.includes("@aws-sdk/lib-dynamodb")));

export const floorName = (clients: readonly string[]) =>
  `sdk:${floorClients(clients)
    .map((name) => (name === "@aws-sdk/lib-dynamodb" ? "dynamodb-document" : name.replace(/^@aws-sdk\/client-/, "")))
    .join("+")}`;

/** What `floor.sdkOnly*` measures: a DynamoDB document client and one GetCommand. */
export const SDK_ONLY_CLIENTS = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"] as const;

/** A floor entry (its source, resolved from the repository), built with the production options. */
async function buildFloor(outDir: string, name: string, source: string): Promise<{ bundle: Bundle; metafile: Metafile }> {
  const file = path.join(outDir, "floors", `${name.replace(/[^a-z0-9+-]/gi, "_")}.mjs`);
  const result = await build({
    ...productionOptions(),
    stdin: { contents: source, resolveDir: REPOSITORY_ROOT, sourcefile: `${name}.mjs`, loader: "js" },
    outfile: file,
    absWorkingDir: REPOSITORY_ROOT,
    metafile: true,
    logLevel: "silent",
  });
  return { bundle: { name, file, bytes: statSync(file).size }, metafile: result.metafile };
}

/**
 * Every function's bundle, in one esbuild run with every handler as an entry point (no code splitting: each
 * output is the whole bundle, byte for byte what a build of that entry alone writes; `checkSingleBuilds`
 * proves it in a full run), and the distinct SDK floor bundles they need (the SDK-only floor among them).
 */
export async function buildAllBundles(outDir: string): Promise<{ functions: FunctionBundle[]; floors: Map<string, Bundle> }> {
  const functionsDir = path.join(outDir, "functions");
  const result = await build({
    ...productionOptions(),
    entryPoints: allFunctionDefinitions.map((definition) => ({
      in: path.join(REPOSITORY_ROOT, definition.handlerModule),
      out: definition.operation,
    })),
    outdir: functionsDir,
    outExtension: { ".js": ".mjs" },
    absWorkingDir: REPOSITORY_ROOT,
    metafile: true,
    logLevel: "silent",
  });
  const functions = allFunctionDefinitions.map((definition): FunctionBundle => {
    const file = path.join(functionsDir, `${definition.operation}.mjs`);
    const output = Object.entries(result.metafile.outputs).find(([key]) => path.resolve(REPOSITORY_ROOT, key) === file)?.[1];
    if (!output) throw new Error(`bench: esbuild wrote no bundle for ${definition.operation}.`);
    const sdkClients = sdkClientsOf({ inputs: {}, outputs: { [file]: output } });
    // A function with no SDK client (GET /openapi.json) is held to the lightest real floor, the SDK-only one:
    // against an empty module every ratio would fail and mean nothing.
    const floor = floorName(sdkClients.length > 0 ? sdkClients : SDK_ONLY_CLIENTS);
    return { name: definition.operation, file, bytes: statSync(file).size, sdkClients, floor };
  });

  const floorSets = new Map<string, readonly string[]>([[floorName(SDK_ONLY_CLIENTS), SDK_ONLY_CLIENTS]]);
  for (const fn of functions) if (fn.sdkClients.length > 0) floorSets.set(fn.floor, fn.sdkClients);
  const floors = new Map<string, Bundle>(
    await Promise.all(
      [...floorSets].map(async ([name, clients]): Promise<[string, Bundle]> => {
        const { bundle, metafile } = await buildFloor(outDir, name, floorSource(clients));
        // The floor holds the clients it was made for, and nothing else of the SDK's clients.
        const built = sdkClientsOf(metafile);
        if (JSON.stringify(built) !== JSON.stringify([...clients].sort())) {
          throw new Error(`bench: the floor ${name} bundles ${built.join(", ") || "no client"}, not ${clients.join(", ")}.`);
        }
        return [name, bundle];
      }),
    ),
  );
  return { functions, floors };
}

/**
 * Each function built alone, as CDK builds it (one entry, `index.mjs`): the same bytes as the one-run build,
 * or the bench fails. Four builds at a time.
 */
export async function checkSingleBuilds(outDir: string, functions: readonly FunctionBundle[]): Promise<void> {
  const pending = [...functions];
  const worker = async () => {
    for (let fn = pending.shift(); fn; fn = pending.shift()) {
      const definition = allFunctionDefinitions.find((d) => d.operation === fn.name)!;
      const file = path.join(outDir, "single", fn.name, "index.mjs");
      await build({
        ...productionOptions(),
        entryPoints: [path.join(REPOSITORY_ROOT, definition.handlerModule)],
        outfile: file,
        absWorkingDir: REPOSITORY_ROOT,
        logLevel: "silent",
      });
      if (!readFileSync(file).equals(readFileSync(fn.file))) {
        throw new Error(`bench: ${fn.name}'s bundle differs from a build of its entry alone: the one-run build is not what deploys.`);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** An empty module (no banner, nothing): what nodeBareStartMs imports. */
export function writeEmptyModule(outDir: string): Bundle {
  const file = path.join(outDir, "empty", "index.mjs");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "");
  return { name: "empty", file, bytes: 0 };
}
