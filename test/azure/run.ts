// `npm run test:azure`: the acceptance tier, against a real subscription, driven by Pulumi's
// Automation API. Needs the Pulumi CLI, the Azure CLI logged in (`az login`, or OIDC in CI) and the
// settings decisions.ts lists; a missing one stops it at once, naming what to set.
//
//  1. deploys a throwaway fixture (resource group, VNet, one small VM that makes traffic);
//  2. deploys this project against it in a fresh stack;
//  3. waits for tuples acknowledged by the intake (the forwarder's "Poll finished." lines, tuplesSent > 0),
//     read with forwarderLogQuery from ContainerAppConsoleLogs: the rows arrive where the alerts look;
//  4. runs each alert rule's own query (read back from Azure) in the workspace: all evaluate, and the
//     "flow logs stopped" one comes clear once the flow log's blob commits arrive in StorageBlobLogs
//     (the blob root form Azure really writes is recognised), "delivered nothing" stays quiet;
//  5. runs `up` again and fails on any change (no perpetual diff);
//  6. destroys the stack and checks the adopted Network Watcher still exists;
//  7. destroys the fixture, whatever happened before.
// With ACCEPTANCE_MODE=private (private-mode.ts), the fixture also has the subnets private mode needs,
// the stack runs a prebuilt image, and between 4 and 5 it is switched to private mode: no storage
// account replaced, none with a public endpoint, and tuples still acknowledged afterwards.
// With ACCEPTANCE_MODE=events (event-mode.ts), the fixture has two traffic VMs, the stack runs two
// replicas in event mode, and between 3 and 4 the run waits until both delivered tuples from queue
// messages.
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import { Provider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { acceptanceMode, assertNoChange, missingSettings, silentAccounts, tuplesSent, waitFor, type AcceptanceMode, type LogRow } from "./decisions";
import { describeDeliveries, EVENT_SCALE, eventModeShortfall, eventPassQuery, replicasThatDelivered, trafficVms } from "./event-mode";
import { noTuplesMessage, PRIVATE_SUBNETS, privateStackConfig, publicAccounts, replacedOrDeleted, type StepEvent } from "./private-mode";
import { acceptanceStackConfig } from "./stack-config";

const REPO_ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);
const say = (line: string) => process.stdout.write(`[acceptance] ${line}\n`);

async function az(args: string[]): Promise<string> {
  const { stdout } = await run("az", [...args, "--output", "json"], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Resource group, VNet and trafficVms(mode) B1s VMs curling the internet every 5 s, so its flow log has tuples. */
function fixtureProgram(subscriptionId: string, location: string, mode: AcceptanceMode) {
  return async () => {
    const provider = new Provider("azure", { subscriptionId, location });
    const opts = { provider };
    const group = new resources.ResourceGroup("acceptance", { location }, opts);
    // Private mode: an NSG and the environment's and endpoints' subnets (default outbound access kept: no firewall here).
    const nsg = mode === "private" ? new network.NetworkSecurityGroup("nsg-sekoia", { resourceGroupName: group.name, location }, opts) : undefined;
    const privateSubnets = nsg
      ? [
          {
            ...PRIVATE_SUBNETS.containerApps,
            networkSecurityGroup: { id: nsg.id },
            delegations: [{ name: "aca", serviceName: "Microsoft.App/environments" }],
            defaultOutboundAccess: true,
          },
          { ...PRIVATE_SUBNETS.privateEndpoints, networkSecurityGroup: { id: nsg.id }, defaultOutboundAccess: true },
        ]
      : [];
    const vnet = new network.VirtualNetwork(
      "vnet",
      {
        resourceGroupName: group.name,
        location,
        addressSpace: { addressPrefixes: ["10.42.0.0/16"] },
        subnets: [{ name: "vms", addressPrefix: "10.42.1.0/24" }, ...privateSubnets],
      },
      opts,
    );
    const password = new random.RandomPassword("vm-password", { length: 24, special: true });
    const subnetId = vnet.subnets.apply((s) => s![0].id!);
    for (let n = 1; n <= trafficVms(mode); n++) trafficVm(`vm-${n}`, { resourceGroupName: group.name, location, subnetId, password: password.result }, opts);
    return { vnetId: vnet.id, groupName: group.name };
  };
}

/** A B1s VM (its NIC and public IP named after it) curling the internet every 5 s, so the VNet's flow log has tuples from its NIC. */
function trafficVm(
  name: string,
  args: { resourceGroupName: pulumi.Input<string>; location: string; subnetId: pulumi.Input<string>; password: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): void {
  const { resourceGroupName, location } = args;
  const ip = new network.PublicIPAddress(`${name}-ip`, { resourceGroupName, location, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" }, opts);
  const nic = new network.NetworkInterface(
    `${name}-nic`,
    { resourceGroupName, location, ipConfigurations: [{ name: "ip", subnet: { id: args.subnetId }, publicIPAddress: { id: ip.id } }] },
    opts,
  );
  const traffic = "#!/bin/sh\nwhile true; do curl -s -o /dev/null https://www.microsoft.com; sleep 5; done &\n";
  new compute.VirtualMachine(
    name,
    {
      resourceGroupName,
      location,
      hardwareProfile: { vmSize: "Standard_B1s" },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      osProfile: {
        computerName: `traffic-${name}`,
        adminUsername: "acceptance",
        adminPassword: args.password,
        customData: Buffer.from(traffic).toString("base64"),
      },
      storageProfile: {
        imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
        osDisk: { createOption: "FromImage", deleteOption: "Delete" },
      },
    },
    opts,
  );
}

async function step<T>(what: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now();
  say(`${what}...`);
  const result = await body();
  say(`${what}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  return result;
}

/** Runs `query` in the stack's workspace over the last two days (what the rules can see). */
async function workspaceQuery(stack: Stack, query: string): Promise<LogRow[]> {
  const outputs = await stack.outputs();
  const workspaceId = String(outputs.logAnalyticsWorkspaceId.value);
  const customerId = JSON.parse(await az(["monitor", "log-analytics", "workspace", "show", "--ids", workspaceId, "--query", "customerId"])) as string;
  return JSON.parse(await az(["monitor", "log-analytics", "query", "--workspace", customerId, "--timespan", "P2D", "--analytics-query", query])) as LogRow[];
}

/** Tuples the intake acknowledged (since `since`, when given), or undefined while none. */
async function tuplesAcknowledged(stack: Stack, since?: Date): Promise<number | undefined> {
  const outputs = await stack.outputs();
  const after = since ? `\n| where TimeGenerated > datetime(${since.toISOString()})` : "";
  const sent = tuplesSent(await workspaceQuery(stack, `${String(outputs.forwarderLogQuery.value)}${after}`));
  return sent > 0 ? sent : undefined;
}

/** The query of a deployed alert rule, as Azure holds it. */
async function ruleQuery(ruleId: string): Promise<string> {
  return JSON.parse(await az(["resource", "show", "--ids", ruleId, "--query", "properties.criteria.allOf[0].query"])) as string;
}

async function alertsSeeTheEvidence(stack: Stack): Promise<void> {
  const ids = (await stack.outputs()).alertRuleIds.value as { noDelivery: string; restarts: string; flowLogsStopped: string };
  // Each rule's query evaluates in the real workspace (a failing one would be disabled by Azure after a week).
  for (const id of Object.values(ids)) await workspaceQuery(stack, await ruleQuery(id));
  const stopped = await ruleQuery(ids.flowLogsStopped);
  let last = "";
  await waitFor(
    "the flow log's blob commits in StorageBlobLogs, where the stopped rule looks (its query clear)",
    async () => {
      last = silentAccounts(await workspaceQuery(stack, stopped)) ?? "";
      if (last !== "") say(`stopped rule: ${last}`);
      return last === "" ? true : undefined;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 60_000, log: say },
  );
  const noDelivery = await workspaceQuery(stack, await ruleQuery(ids.noDelivery));
  if (noDelivery.length > 0) throw new Error(`the no-delivery rule's query returns ${JSON.stringify(noDelivery)} while the forwarder delivers`);
  say("every alert query evaluates; flow-log commits and forwarder lines are where the rules look");
}

/** Whether the "flow logs stopped" rule's own query finds a silent account now; undefined when it cannot be run. */
async function stoppedRuleFires(stack: Stack): Promise<boolean | undefined> {
  try {
    const ids = (await stack.outputs()).alertRuleIds.value as { flowLogsStopped: string };
    return silentAccounts(await workspaceQuery(stack, await ruleQuery(ids.flowLogsStopped))) !== undefined;
  } catch {
    return undefined;
  }
}

/**
 * Event mode: waits until EVENT_SCALE.minReplicas replicas delivered tuples from queue messages; else
 * fails with what their lines show (a replica idle, events never arriving).
 */
async function replicasShareTheQueue(stack: Stack): Promise<void> {
  const query = eventPassQuery(String((await stack.outputs()).forwarderAppName.value));
  let rows: LogRow[] | undefined;
  const delivered = await waitFor(
    `${EVENT_SCALE.minReplicas} replicas delivering tuples from queue messages (the forwarder's event passes, per ContainerGroupName)`,
    async () => {
      rows = await workspaceQuery(stack, query);
      const shortfall = eventModeShortfall(rows);
      if (shortfall !== undefined) say(shortfall);
      return shortfall === undefined ? replicasThatDelivered(rows) : undefined;
    },
    { timeoutMs: 45 * 60_000, intervalMs: 60_000, log: say },
  ).catch((error: unknown) => {
    // What the lines showed last says which side failed; the timeout says for how long (and a later query error).
    throw rows === undefined ? error : new Error(`${eventModeShortfall(rows)} (${(error as Error).message})`);
  });
  say(`event mode: replicas delivered from queue messages (${describeDeliveries(delivered)})`);
}

/** Switches a deployed public stack to private mode and checks what the switch must keep and give. */
async function switchToPrivate(stack: Stack, config: Parameters<typeof privateStackConfig>[0], vnetId: string): Promise<void> {
  await stack.removeConfig("sasExpiry");
  await stack.setAllConfig(privateStackConfig(config, vnetId, process.env));
  const events: StepEvent[] = [];
  const switched = new Date();
  await step("switching the stack to private mode", () =>
    stack.up({ onOutput: process.stdout.write.bind(process.stdout), onEvent: (e) => events.push(e as StepEvent) }),
  );
  const lost = replacedOrDeleted(events, "azure-native:storage:StorageAccount");
  if (lost.length > 0) throw new Error(`switching to private mode replaced or deleted storage accounts, and their unread blobs: ${lost.join(", ")}`);
  const query = `[?tags.stack=='${stack.name}'].{name:name, publicNetworkAccess:publicNetworkAccess, networkRuleSet:networkRuleSet}`;
  const accounts = JSON.parse(await az(["storage", "account", "list", "--query", query])) as Parameters<typeof publicAccounts>[0];
  const open = publicAccounts(accounts);
  if (accounts.length === 0 || open.length > 0) throw new Error(`private mode left public endpoints on: ${open.join(", ") || "(no account found)"}`);
  say(`${accounts.length} storage accounts without public network access`);
  const sent = await waitFor(
    "tuples acknowledged after the switch (flow logs written with public access disabled, read through the endpoints)",
    () => tuplesAcknowledged(stack, switched),
    { timeoutMs: 45 * 60_000, intervalMs: 60_000, log: say },
  ).catch(async () => {
    throw new Error(noTuplesMessage(await stoppedRuleFires(stack)));
  });
  say(`private mode: the intake acknowledged ${sent} tuples`);
}

async function main(): Promise<number> {
  const missing = missingSettings(process.env);
  if (missing.length > 0) {
    process.stderr.write(`npm run test:azure cannot start:\n${missing.map((m) => `  - ${m}`).join("\n")}\n`);
    return 2;
  }
  const subscriptionId = process.env.ACCEPTANCE_SUBSCRIPTION_ID!.toLowerCase();
  const location = process.env.ACCEPTANCE_LOCATION ?? "westeurope";
  const mode = acceptanceMode(process.env);
  const id = `acc${Date.now().toString(36)}`;
  const fixture = await LocalWorkspace.createOrSelectStack({
    projectName: "sekoia-flowlogs-acceptance-fixture",
    stackName: id,
    program: fixtureProgram(subscriptionId, location, mode),
  });
  let stack: Stack | undefined;
  let destroyed = false;
  try {
    const fixtureUp = await step(`deploying the fixture (resource group, VNet, ${trafficVms(mode)} traffic VM(s))`, () =>
      fixture.up({ onOutput: process.stdout.write.bind(process.stdout) }),
    );
    const vnetId = String(fixtureUp.outputs.vnetId.value);
    const watcherId = `/subscriptions/${subscriptionId}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${location}`;
    await waitFor("Azure's automatic Network Watcher in the region", async () => ((await az(["resource", "show", "--ids", watcherId])) ? true : undefined), {
      timeoutMs: 600_000,
      intervalMs: 20_000,
      log: say,
    });

    stack = await LocalWorkspace.createStack({ stackName: id, workDir: REPO_ROOT });
    const config = acceptanceStackConfig(mode, { location, subscriptionId, vnetId }, process.env, new Date());
    await stack.setAllConfig(config);
    const deployed = stack;
    const replicas = mode === "events" ? ` (event mode, ${EVENT_SCALE.minReplicas} forwarder replicas)` : "";
    await step(`deploying this stack against the fixture${replicas}`, () => deployed.up({ onOutput: process.stdout.write.bind(process.stdout) }));
    const sent = await waitFor("tuples acknowledged by the intake", () => tuplesAcknowledged(deployed), {
      timeoutMs: 45 * 60_000,
      intervalMs: 60_000,
      log: say,
    });
    say(`the intake acknowledged ${sent} tuples`);
    if (mode === "events") await replicasShareTheQueue(deployed);
    await step("checking that the alerts see the flow-log and forwarder evidence", () => alertsSeeTheEvidence(deployed));
    if (mode === "private") await switchToPrivate(deployed, config, vnetId);

    const second = await step("running up again (it must change nothing)", () => deployed.up());
    assertNoChange("the second up", second.summary.resourceChanges);

    await step("destroying the stack", () => deployed.destroy({ onOutput: process.stdout.write.bind(process.stdout) }));
    destroyed = true;
    await az(["resource", "show", "--ids", watcherId]).catch(() => {
      throw new Error(`destroy deleted the adopted Network Watcher ${watcherId}`);
    });
    say("the adopted Network Watcher still exists");
    return 0;
  } finally {
    if (stack && !destroyed) {
      await step("destroying the stack after a failure", () => stack!.destroy())
        .then(() => (destroyed = true))
        .catch((e: unknown) => say(`could not destroy stack ${id} (${String(e)}): run \`pulumi destroy -s ${id}\` here`));
    }
    if (stack && destroyed) await stack.workspace.removeStack(stack.name).catch((e: unknown) => say(`could not remove stack ${id}: ${String(e)}`));
    await step("destroying the fixture", () => fixture.destroy()).catch((e: unknown) =>
      say(`could not destroy the fixture ${id}: ${String(e)}; delete its resource group by hand`),
    );
    await fixture.workspace.removeStack(id).catch(() => undefined);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`Acceptance failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
