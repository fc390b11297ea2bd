// Offline stand-ins for Azure, used by `npm run plan` and the infra tests: the program runs under
// pulumi.runtime.setMocks and every resource and invoke it would send to Azure is recorded here.
// Fake outputs are derived from names only, so two runs produce identical plans.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { TargetLocator } from "../estate/target-locations";

/** Pulumi's marker for a secret value as it crosses the RPC boundary (see toolchain.md). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** "read" for NetworkWatcher.get-style reads (the stack does not own them), else "register". */
  readonly operation: "read" | "register";
  /** False for component resources (groupings with no Azure counterpart). */
  readonly custom?: boolean;
  readonly id?: string;
  /** Name of the explicit provider the resource is managed by, when it has one. */
  readonly provider?: string;
  /** Resource options the engine would act on (registrations only). */
  readonly options?: RecordedOptions;
}

export interface RecordedOptions {
  readonly deleteBeforeReplace: boolean;
  readonly retainOnDelete: boolean;
  /** Inputs whose changes the engine ignores (kept as in the state). */
  readonly ignoreChanges: readonly string[];
  /** Logical names of the resources it waits for (explicit dependsOn and inputs taken from them). */
  readonly dependsOn: readonly string[];
  /** URN of its parent; undefined at the stack root. */
  readonly parent?: string;
  /** Its aliases as the engine receives them: the URNs it may have had before. */
  readonly aliases: readonly RecordedAlias[];
}

/** An alias spec: fields left out are the resource's own; `noParent` means it sat at the stack root. */
export interface RecordedAlias {
  readonly name?: string;
  readonly type?: string;
  readonly noParent: boolean;
  readonly parentUrn?: string;
}

interface AliasSpecMessage {
  getName(): string;
  getType(): string;
  getNoparent(): boolean;
  getParenturn(): string;
}

export interface RecordedCall {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
  /** What the mock answered. */
  readonly result: Record<string, unknown>;
  /** Name of the explicit provider the invoke goes through, when it has one. */
  readonly provider?: string;
}

export interface Recorder {
  readonly resources: RecordedResource[];
  readonly calls: RecordedCall[];
  /** When present, collects the plain text of secret outputs the mocks fake (e.g. intake keys). */
  readonly secretOutputs?: string[];
}

export const FAKE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

const digest = (text: string, length: number): string => createHash("sha256").update(text).digest("hex").slice(0, length);
const fakeGuid = (seed: string): string => {
  const h = digest(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK;
}

/** Replaces secret-wrapped values by `mask(value)`, recursively. */
export function unwrapSecrets(v: unknown, mask: (value: unknown) => unknown = (x) => x): unknown {
  if (isSecretValue(v)) return mask(unwrapSecrets(v.value, mask));
  if (Array.isArray(v)) return v.map((x) => unwrapSecrets(x, mask));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x, mask)]));
  }
  return v;
}

/** Input holding the Azure name of each resource type the program names itself. */
const NAME_INPUT: Readonly<Record<string, string>> = {
  "azure-native:storage:StorageAccount": "accountName",
  "azure-native:storage:BlobContainer": "containerName",
  "azure-native:storage:ManagementPolicy": "managementPolicyName",
  "azure-native:containerregistry:Registry": "registryName",
  "azure-native:network:FlowLog": "flowLogName",
  "azure-native:network:NetworkWatcher": "networkWatcherName",
  "azure-native:monitor:DiagnosticSetting": "name",
  "azure-native:network:PrivateEndpoint": "privateEndpointName",
  "azure-native:network:PrivateDnsZoneGroup": "privateDnsZoneGroupName",
  "azure-native:privatedns:PrivateZone": "privateZoneName",
  "azure-native:privatedns:VirtualNetworkLink": "virtualNetworkLinkName",
};

/** The Azure-side outputs a real deployment would report, faked from the inputs. */
function fakeState(type: string, name: string, inputs: Record<string, unknown>, subscription: string): { id: string; state: Record<string, unknown> } {
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  const nameInput = NAME_INPUT[type];
  // Like azure-native's auto-naming: the logical name plus a suffix (here derived, not random).
  const azureName = nameInput && typeof plain[nameInput] === "string" ? (plain[nameInput] as string) : `${name}${digest(name, 6)}`;
  const group = typeof plain.resourceGroupName === "string" ? plain.resourceGroupName : "rg";
  const [, namespace = "misc", kind = type] = type.split(":");
  const state: Record<string, unknown> = { ...inputs, name: azureName };
  let id = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.${namespace}/${kind}/${azureName}`;
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      id = `/subscriptions/${subscription}/resourceGroups/${azureName}`;
      break;
    case "random:index/randomString:RandomString":
      return { id: name, state: { ...inputs, result: digest(name, Number(plain.length ?? 8)) } };
    case "azure-native:storage:StorageAccount":
      state.primaryEndpoints = { blob: `https://${azureName}.blob.core.windows.net/`, queue: `https://${azureName}.queue.core.windows.net/` };
      break;
    case "azure-native:storage:BlobContainer":
      id = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${String(plain.accountName)}/blobServices/default/containers/${azureName}`;
      break;
    case "azure-native:containerregistry:Registry":
      state.loginServer = `${azureName}.azurecr.io`;
      break;
    case "azure-native:network:PrivateEndpoint": {
      // Azure reports the endpoint's FQDN and private IP once made (the A record its DNS needs).
      const target = String((plain.privateLinkServiceConnections as Array<{ privateLinkServiceId?: string }> | undefined)?.[0]?.privateLinkServiceId ?? "");
      const octets = digest(azureName, 6)
        .match(/../g)!
        .map((h) => parseInt(h, 16));
      state.customDnsConfigs = [
        { fqdn: `${target.split("/").pop()}.blob.core.windows.net`, ipAddresses: [`10.${octets[0]}.${octets[1]}.${(octets[2] % 250) + 4}`] },
      ];
      break;
    }
    case "azure-native:managedidentity:UserAssignedIdentity":
      state.clientId = fakeGuid(`client:${name}`);
      state.principalId = fakeGuid(`principal:${name}`);
      break;
    case "azure-native:operationalinsights:Workspace":
      state.customerId = fakeGuid(`workspace:${name}`);
      break;
    case "pulumi-nodejs:dynamic/sekoia:Intake": {
      // Sekoia's answer: its uuid as the id, the name asked for, and a key (secret, as the engine marks it).
      const uuid = fakeGuid(`intake:${name}`);
      return { id: uuid, state: { ...inputs, uuid, intakeKey: { [SECRET_SIG]: SECRET_MARK, value: `FAKE-INTAKE-KEY-${digest(name, 12)}` } } };
    }
    case "docker-build:index:Image": {
      const tag = Array.isArray(plain.tags) ? String(plain.tags[0]) : name;
      state.digest = `sha256:${digest(tag, 64)}`;
      state.ref = `${tag}@${String(state.digest)}`;
      id = tag;
      break;
    }
  }
  return { id, state };
}

/** A provider reference is `<urn>::<id>`; the urn ends with the provider's logical name. */
function providerName(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.split("::").slice(-2, -1)[0];
}

/**
 * The location Azure reports for an existing resource read by id: `existingLocations[id]` when a
 * test sets it, else the region in Azure's own watcher name `NetworkWatcher_<region>`.
 */
function existingLocation(id: string, existingLocations: Readonly<Record<string, string>>): string | undefined {
  return existingLocations[id] ?? /\/networkWatchers\/NetworkWatcher_([a-z0-9]+)$/i.exec(id)?.[1]?.toLowerCase();
}

/**
 * Stands in for the ARM reads of targets given by id (their regions): the region `existingLocations`
 * gives the id (any case), else nothing is known offline and the target is not checked.
 */
export function offlineTargetLocator(existingLocations: Readonly<Record<string, string>> = {}): TargetLocator {
  const byId = new Map(Object.entries(existingLocations).map(([id, location]) => [id.toLowerCase(), location]));
  return {
    locate: (id) => {
      const location = byId.get(id.toLowerCase());
      return Promise.resolve(location !== undefined ? { location } : { offline: true });
    },
  };
}

/** Stands in for the registry's token exchange (no network offline); the result embeds the token it was given. */
export function fakeRegistryExchange(server: string, accessToken: string): Promise<string> {
  return Promise.resolve(`FAKE-ACR-REFRESH-TOKEN-${server}-${accessToken}`);
}

/**
 * Mocks recording into `recorder`; ids are ARM-shaped under the subscription of the resource's
 * explicit provider, or `subscription` without one.
 */
export function recordingMocks(
  recorder: Recorder,
  subscription: string = FAKE_SUBSCRIPTION,
  existingLocations: Readonly<Record<string, string>> = {},
): pulumi.runtime.Mocks {
  const providerSubscriptions = new Map<string, string>();
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const inputs = (args.inputs ?? {}) as Record<string, unknown>;
      const provider = providerName(args.provider);
      if (args.type === "pulumi:providers:azure-native" && typeof inputs.subscriptionId === "string")
        providerSubscriptions.set(args.name, inputs.subscriptionId);
      if (args.id) {
        // A read (`Resource.get`): Azure would return the existing resource's state.
        recorder.resources.push({ type: args.type, name: args.name, inputs, operation: "read", id: args.id, provider });
        const location = existingLocation(args.id, existingLocations);
        return { id: args.id, state: { ...inputs, name: args.id.split("/").pop(), ...(location ? { location } : {}) } };
      }
      recorder.resources.push({ type: args.type, name: args.name, inputs, operation: "register", custom: args.custom, provider });
      const faked = fakeState(args.type, args.name, inputs, (provider && providerSubscriptions.get(provider)) ?? subscription);
      for (const v of Object.values(faked.state)) if (isSecretValue(v) && typeof v.value === "string") recorder.secretOutputs?.push(v.value);
      return faked;
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      const inputs = (args.inputs ?? {}) as Record<string, unknown>;
      const result = fakeCall(args.token, inputs);
      recorder.calls.push({ token: args.token, inputs, result, provider: providerName(args.provider) });
      return result;
    },
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getParent(): string;
  getAliasesList(): { getSpec(): AliasSpecMessage | undefined; getUrn(): string }[];
}

/**
 * The mock monitor hands newResource no resource options; this wraps its registerResource to keep
 * the ones whose effect only Azure would show (replacement order, retention, ordering), and attaches
 * them to the matching recorded resource once the run is over.
 */
export function recordResourceOptions(recorder: Recorder): () => void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): void };
  const seen = new Map<string, RecordedOptions>();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    seen.set(`${req.getType()}|${req.getName()}`, {
      deleteBeforeReplace: req.getDeletebeforereplace(),
      retainOnDelete: req.getRetainondelete(),
      ignoreChanges: req.getIgnorechangesList(),
      dependsOn: req
        .getDependenciesList()
        .map((urn) => urn.split("::").pop() ?? urn)
        .sort(),
      ...(req.getParent() ? { parent: req.getParent() } : {}),
      aliases: req.getAliasesList().flatMap((a) => {
        const spec = a.getSpec();
        if (!spec) return [];
        return [
          {
            ...(spec.getName() ? { name: spec.getName() } : {}),
            ...(spec.getType() ? { type: spec.getType() } : {}),
            noParent: spec.getNoparent(),
            ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
          },
        ];
      }),
    });
    original(req, cb);
  };
  return () => {
    recorder.resources.forEach((r, i) => {
      const options = seen.get(`${r.type}|${r.name}`);
      if (options && r.operation === "register") recorder.resources[i] = { ...r, options };
    });
  };
}

/** Answers of the invokes the program makes; all of them return secrets in real life. */
function fakeCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "azure-native:storage:listStorageAccountServiceSAS": {
      const plain = unwrapSecrets(inputs) as Record<string, string>;
      const sig = digest(`${plain.canonicalizedResource}|${plain.sharedAccessExpiryTime}`, 16);
      return {
        serviceSasToken: `sv=2022-11-02&sr=${plain.resource}&sp=${plain.permissions}&se=${plain.sharedAccessExpiryTime}&spr=${plain.protocols}&sig=FAKE${sig}`,
      };
    }
    case "azure-native:authorization:getClientToken":
      return { token: "FAKE-DEPLOYER-ACCESS-TOKEN" };
    case "azure-native:authorization:getClientConfig":
      return { tenantId: "FAKE-TENANT", objectId: "FAKE-DEPLOYER", clientId: "FAKE-CLIENT", subscriptionId: FAKE_SUBSCRIPTION };
    default:
      return {};
  }
}
