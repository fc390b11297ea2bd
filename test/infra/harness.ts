// Runs the Pulumi program under mocks with a given stack configuration, the way the engine would:
// config through pulumi.runtime.setAllConfig, mocks set BEFORE the program is imported, and a fresh
// module registry per run (vi.resetModules) so each configuration gets its own program run.
import { vi } from "vitest";
import { unwrapSecrets, type RecordedCall, type RecordedResource, type Recorder } from "../../infra/plan/mocks";
import type { ProgramRun } from "../../infra/plan/plan-render";
import type { TargetLocator } from "../../infra/estate/target-locations";
import type { VnetLister } from "../../infra/estate/vnet-lister";
import type { NetworkReader } from "../../infra/estate/network-reader";

export const SUBSCRIPTION = "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14";
const base = (group: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Network`;
export const ids = {
  vnet: (name: string, group = "rg-net") => `${base(group)}/virtualNetworks/${name}`,
  subnet: (vnet: string, name: string, group = "rg-net") => `${base(group)}/virtualNetworks/${vnet}/subnets/${name}`,
  nsg: (name: string, group = "rg-net") => `${base(group)}/networkSecurityGroups/${name}`,
  nic: (name: string, group = "rg-net") => `${base(group)}/networkInterfaces/${name}`,
};

/** Values a test never expects to see in clear anywhere. */
export const NSG_KEY = "nsg-intake-key-0123456789";
export const VNET_KEY = "vnet-intake-key-9876543210";

/** Pinned clock: sasExpiry validation does not depend on the day the tests run. */
export const NOW = new Date("2026-06-01T00:00:00Z");

export interface Scenario {
  /** Short keys ("targets") are qualified with the project; objects are JSON-encoded. */
  readonly config: Record<string, unknown>;
  readonly preview?: boolean;
  /** Records what was registered even when the program throws. */
  readonly recorder?: Recorder;
  /** Locations Azure reports for existing resources read by id (default: from NetworkWatcher_<region>). */
  readonly existingLocations?: Record<string, string>;
  /** Lists `{scope}` entries as npm run plan does (default: the program's own, the token invoke and ARM). */
  readonly vnetLister?: (armEndpoint: string) => VnetLister;
  /** Reads the regions of targets given by id (default: offline, from existingLocations). */
  readonly targetLocator?: (armEndpoint: string) => TargetLocator;
  /** Secret keys (short) set without --secret: not marked secret to the program. */
  readonly plainKeys?: readonly string[];
  /** Reads privateNetworking's VNets as npm run plan or a test double does (default: the program's own, the token invoke and ARM). */
  readonly networkReader?: (armEndpoint: string) => NetworkReader;
  /** Changes the recording mocks (e.g. leaves outputs unknown, as a real preview of new resources). */
  readonly mocks?: (recording: import("@pulumi/pulumi").runtime.Mocks) => import("@pulumi/pulumi").runtime.Mocks;
}

/** A valid stack: one VNet in westeurope, one subnet in northeurope, one NSG in westeurope. */
export function defaultConfig(): Record<string, unknown> {
  return {
    "azure-native:location": "westeurope",
    targets: [
      { id: ids.vnet("vnet-weu"), location: "westeurope" },
      { id: ids.subnet("vnet-neu", "snet-app"), location: "northeurope" },
      { id: ids.nsg("nsg-weu"), location: "westeurope", flowLogName: "existing-nsg-flowlog" },
    ],
    sasExpiry: "2027-01-01T00:00:00Z",
    sekoiaNsgIntakeKey: NSG_KEY,
    sekoiaVnetIntakeKey: VNET_KEY,
    forwarderImage: `myregistry.azurecr.io/forwarder@sha256:${"a".repeat(64)}`,
  };
}

export function runtimeConfig(config: Record<string, unknown>): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const full = key.includes(":") ? key : `sekoia-flowlogs:${key}`;
    values[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const secretKeys = [
    "sekoia-flowlogs:sekoiaNsgIntakeKey",
    "sekoia-flowlogs:sekoiaVnetIntakeKey",
    "sekoia-flowlogs:sekoiaApiKey",
    "sekoia-flowlogs:forwarderImageRegistryPassword",
  ].filter((k) => k in values);
  return { values, secretKeys };
}

/** Runs the program once; rejects with the program's error (e.g. a StackConfigError). */
export async function runStack(scenario: Scenario): Promise<ProgramRun> {
  vi.resetModules();
  const { runProgram } = await import("../../infra/plan/plan-render.js");
  const { values, secretKeys } = runtimeConfig(scenario.config);
  return runProgram({
    config: values,
    secretKeys: secretKeys.filter((k) => !scenario.plainKeys?.some((plain) => k === `sekoia-flowlogs:${plain}`)),
    stack: "test",
    preview: scenario.preview ?? false,
    now: NOW,
    recorder: scenario.recorder,
    existingLocations: scenario.existingLocations,
    vnetLister: scenario.vnetLister,
    targetLocator: scenario.targetLocator,
    networkReader: scenario.networkReader,
    mocks: scenario.mocks,
  });
}

/** Runs a platform team's own program that builds the component(s) it is given, under the mocks. */
export async function runComponents(
  build: (Component: typeof import("../../infra/sekoia-flow-logs").SekoiaFlowLogs) => Record<string, unknown>,
  options: Pick<Scenario, "recorder" | "networkReader"> = {},
): Promise<ProgramRun> {
  vi.resetModules();
  const { runProgram } = await import("../../infra/plan/plan-render.js");
  return runProgram({
    config: {},
    secretKeys: [],
    stack: "test",
    project: "platform",
    preview: false,
    now: NOW,
    ...options,
    program: async () => {
      const { SekoiaFlowLogs } = await import("../../infra/sekoia-flow-logs.js");
      return build(SekoiaFlowLogs);
    },
  });
}

export function resourcesOf(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function oneOf(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = resourcesOf(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0];
}

export function callsOf(run: ProgramRun, token: string): RecordedCall[] {
  return run.calls.filter((c) => c.token === token);
}

export const T = {
  account: "azure-native:storage:StorageAccount",
  policy: "azure-native:storage:ManagementPolicy",
  container: "azure-native:storage:BlobContainer",
  flowLog: "azure-native:network:FlowLog",
  watcher: "azure-native:network:NetworkWatcher",
  app: "azure-native:app:ContainerApp",
  environment: "azure-native:app:ManagedEnvironment",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
  registry: "azure-native:containerregistry:Registry",
  image: "docker-build:index:Image",
  rule: "azure-native:monitor:ScheduledQueryRule",
  actionGroup: "azure-native:monitor:ActionGroup",
  diagnostic: "azure-native:monitor:DiagnosticSetting",
  sas: "azure-native:storage:listStorageAccountServiceSAS",
  sekoiaIntake: "pulumi-nodejs:dynamic/sekoia:Intake",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  privateZone: "azure-native:privatedns:PrivateZone",
  vnetLink: "azure-native:privatedns:VirtualNetworkLink",
  group: "azure-native:resources:ResourceGroup",
} as const;

/** Inputs with secret wrappers removed (to read values) ... */
export function plain<V>(value: V): V {
  return unwrapSecrets(value) as V;
}

/** ... or replaced by [secret] (what anyone without the secret sees). */
export function masked(value: unknown): unknown {
  return unwrapSecrets(value, () => "[secret]");
}
