// `npm run plan [-- --stack NAME] [--now ISO-8601]`: prints what the program would register for a
// stack (default dev), without Azure credentials or the Pulumi CLI, so a reviewer sees in a pull
// request what a change does. Secrets in the stack file are replaced by fake values (see stack-file.ts)
// and printed as [secret]. `--now` pins the clock used to check that sasExpiry is in the future.
// `{scope}` entries of targets are listed with the local Azure credential when there is one
// (local-vnet-lister.ts), and shown unresolved otherwise.
import { REPO_ROOT } from "../forwarder/forwarder-image";
import { localAzureToken, localVnetLister } from "./local-vnet-lister";
import { renderPlan, runProgram } from "./plan-render";
import { loadStackConfig } from "./stack-file";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0 && (i + 1 >= args.length || args[i + 1].startsWith("--"))) throw new Error(`${name} needs a value`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const stack = option(args, "--stack") ?? "dev";
  const nowText = option(args, "--now");
  const now = nowText === undefined ? undefined : new Date(nowText);
  if (now && Number.isNaN(now.getTime())) throw new Error(`--now: found "${nowText}", expected an ISO-8601 instant`);
  const { config, secretKeys } = loadStackConfig(stack, REPO_ROOT);
  const run = await runProgram({
    config,
    secretKeys,
    stack,
    preview: true,
    now,
    vnetLister: (endpoint) => localVnetLister(endpoint, localAzureToken(endpoint)),
  });
  process.stdout.write(renderPlan(stack, run));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
