// The stack program: the stack configuration in, one SekoiaFlowLogs component, its outputs out as the
// stack's. The component validates the configuration before anything is registered; what only a
// stack file can get wrong (a key the program does not read, a secret set in plain) is checked here first, and reported
// with the component's own problems, all at once.
import * as pulumi from "@pulumi/pulumi";
import { configFromArgs, plainSecretProblems, PROJECT_KEYS, readRawConfig, rejectStackConfig, SECRET_KEYS, unknownKeyProblems, type RawConfig } from "./config";
import { deployed, SekoiaFlowLogs, type SekoiaFlowLogsArgs } from "./sekoia-flow-logs";

/** The component's name: a stack's resources keep their names whatever it is, but it shows in its URN. */
const COMPONENT_NAME = "sekoia-flowlogs";

/**
 * The stack configuration as component args: each key is the arg of the same name. Values stay as
 * the engine's strings where they do not parse, so the component's validation reports them by key;
 * secrets go in as secrets (they are recorded as the component's inputs).
 */
function stackArgs(raw: RawConfig): SekoiaFlowLogsArgs {
  const args: Record<string, unknown> = { location: raw["azure-native:location"], subscriptionId: raw["azure-native:subscriptionId"] };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || !PROJECT_KEYS.includes(key)) continue;
    if ((SECRET_KEYS as readonly string[]).includes(key)) args[key] = value.trim() === "" ? undefined : pulumi.secret(value);
    else args[key] = parseOr(value);
  }
  return args as unknown as SekoiaFlowLogsArgs;
}

function parseOr(value: string): unknown {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "object" && parsed !== null ? parsed : value;
  } catch {
    return value;
  }
}

// Async since the component lists `{scope}` targets before registering what depends on them; Pulumi
// awaits an exported function's promise and takes the object it resolves to as the stack outputs.
export = async (): Promise<Record<string, unknown>> => {
  const raw = readRawConfig();
  const args = stackArgs(raw);
  const problems = [...unknownKeyProblems(raw), ...plainSecretProblems(raw, pulumi.getStack())];
  rejectStackConfig(problems, raw, () => configFromArgs(args as unknown as Readonly<Record<string, unknown>>));
  const flowLogs = new SekoiaFlowLogs(COMPONENT_NAME, args);
  await deployed(flowLogs);
  const outputs = {
    resourceGroupName: flowLogs.resourceGroupName,
    flowLogStorage: flowLogs.flowLogStorage,
    sekoiaSasTokens: flowLogs.sekoiaSasTokens,
    sekoiaSasUrls: flowLogs.sekoiaSasUrls,
    sasExpiry: flowLogs.sasExpiry,
    networkWatchers: flowLogs.networkWatchers,
    flowLogIds: flowLogs.flowLogIds,
    targetSelections: flowLogs.targetSelections,
    flowLogContainers: flowLogs.flowLogContainers,
    checkpointContainerUrl: flowLogs.checkpointContainerUrl,
    forwarderImage: flowLogs.forwarderImage,
    forwarderAppName: flowLogs.forwarderAppName,
    forwarderLogQuery: flowLogs.forwarderLogQuery,
    logAnalyticsWorkspaceId: flowLogs.logAnalyticsWorkspaceId,
    alertRuleIds: flowLogs.alertRuleIds,
    alertActionGroupId: flowLogs.alertActionGroupId,
    sekoiaIntakes: flowLogs.sekoiaIntakes,
    privateDnsRecords: flowLogs.privateDnsRecords,
  };
  // Outputs the old program left out when unset stay out (a stack's outputs keep their shapes).
  const resolved = await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, v, await known(v)] as const));
  return Object.fromEntries(resolved.filter(([, , value]) => value !== undefined).map(([k, v]) => [k, v]));
};

/** Stands for a value a preview cannot know yet (a resource still to be created): the output is kept. */
const NOT_YET_KNOWN = Symbol("not yet known");

/**
 * An output's value once known (undefined stays undefined, in preview too). In a preview, `apply`
 * never calls back for an unknown value (the id of a resource still to be created), so it is asked
 * first: waiting on it would keep the program, and `pulumi preview` or the preview of `pulumi up`, from
 * ever finishing. `isKnown` is in Output's runtime, not in the SDK's typings.
 */
async function known(o: pulumi.Output<unknown>): Promise<unknown> {
  if (!(await (o as unknown as { isKnown: Promise<boolean> }).isKnown)) return NOT_YET_KNOWN;
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
