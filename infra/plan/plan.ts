// `npm run plan [-- --stack NAME] [--now ISO-8601]`: prints what the program would register for a
// stack (default dev), without Azure credentials or the Pulumi CLI, so a reviewer sees in a pull
// request what a change does. Secrets in the stack file are replaced by fake values (see stack-file.ts)
// and printed as [secret]. `--now` pins the clock used to check that sasExpiry is in the future.
// `{scope}` entries of targets are listed, the regions of targets given by id and privateNetworking's
// subnets checked, with the local Azure credential when there is one (local-vnet-lister.ts); without
// one, scopes are shown unresolved, regions are not checked, and the subnets are reported unchecked. The command line: plan-args.ts (exit 2 on a
// usage error). The program and Pulumi's SDK are loaded only once the arguments are valid and the
// stack file read, so `--help`, usage errors and a missing stack file answer at once.
import * as path from "node:path";
import { parsePlanArgs, USAGE } from "./plan-args";
import { loadStackConfig } from "./stack-file";

/** The repository (forwarder-image.ts's REPO_ROOT, without loading Pulumi's SDK to get it). */
const ROOT = path.resolve(__dirname, "../..");

async function main(argv: string[]): Promise<number> {
  const command = parsePlanArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.kind === "usage") {
    process.stderr.write(`npm run plan: ${command.error}\n\n${USAGE}`);
    return 2;
  }
  const { stack, now } = command;
  const { config, secretKeys } = loadStackConfig(stack, ROOT);
  const [{ renderPlan, runProgram }, { localAzureToken, localNetworkReader, localTargetLocator, localVnetLister }] = await Promise.all([
    import("./plan-render.js"),
    import("./local-vnet-lister.js"),
  ]);
  const tokens = new Map<string, ReturnType<typeof localAzureToken>>();
  const token = (endpoint: string) => tokens.get(endpoint) ?? tokens.set(endpoint, localAzureToken(endpoint)).get(endpoint)!;
  const run = await runProgram({
    config,
    secretKeys,
    stack,
    preview: true,
    now,
    vnetLister: (endpoint) => localVnetLister(endpoint, token(endpoint)),
    targetLocator: (endpoint) => localTargetLocator(endpoint, token(endpoint)),
    networkReader: (endpoint) => localNetworkReader(endpoint, token(endpoint)),
  });
  process.stdout.write(renderPlan(stack, run));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
