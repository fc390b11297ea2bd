// Parses `privateNetworking`: the stack in a locked-down network (an Azure Landing Zone's Corp
// subscriptions deny public endpoints). Set, every storage account is reachable through private
// endpoints only, the Container Apps environment is internal to the given subnet, and the rules that
// follow from that apply to other keys: no SAS (Sekoia's pull connector cannot reach a private account,
// so sasExpiry must be unset) and no image built by the stack (nobody outside the network can push to a
// registry without public access: forwarderImage and its pull credential are required).
//
// What the subnets are (region, size, delegation, NSG) can only be read from Azure: the estate's
// private-network check does that at preview, naming the same keys. Pure; appends
// "key: found ..., expected ..." problems that stack-config.ts reports.
import { readConfigObject } from "./config-object";
import { parseTargetId } from "./arm-id";
import { cloudOf, STORAGE_SUFFIXES } from "./arm-endpoint";

/** Who makes the DNS records of the private endpoints. */
export type PrivateDns = "policy" | "stack";

/** A subnet given by id, parsed. */
export interface SubnetRef {
  /** The config key, e.g. `privateNetworking.containerAppsSubnetId`. */
  readonly key: string;
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly vnetName: string;
  /** The ARM id of its virtual network. */
  readonly vnetId: string;
  readonly name: string;
}

export interface PrivateNetworking {
  /** Where the Container Apps environment is injected (delegated to Microsoft.App/environments, /27 or larger). */
  readonly containerAppsSubnet: SubnetRef;
  /** Where the blob private endpoint of every storage account goes. */
  readonly privateEndpointSubnet: SubnetRef;
  /** `policy`: the stack creates no zone and no zone group (ALZ's DeployIfNotExists adds them); `stack`: it adds zone groups. */
  readonly dns: PrivateDns;
  /** With dns `stack`: the existing zone to register in; undefined: the stack creates `blobDnsZoneName`. */
  readonly privateDnsZoneId?: string;
  /** `privatelink.blob.<storage suffix of the stack's cloud>`. */
  readonly blobDnsZoneName: string;
}

export const PRIVATE_NETWORKING_FIELDS = ["containerAppsSubnetId", "privateEndpointSubnetId", "dns", "privateDnsZoneId"] as const;

const KEY = "privateNetworking";
const show = (v: unknown): string => JSON.stringify(v);
const EXPECTED_SUBNET =
  "the ARM id of a subnet, /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>";
const EXPECTED_OBJECT =
  "an object {containerAppsSubnetId, privateEndpointSubnetId, dns[, privateDnsZoneId]}, set with e.g. " +
  "`pulumi config set --path privateNetworking.containerAppsSubnetId <subnet id>`";
const EXPECTED_DNS =
  "\"policy\" (the platform makes the private endpoints' DNS records, as Azure Landing Zones' Deploy-Private-DNS-Zones policy does: " +
  'the stack creates no zone and no zone group) or "stack" (the stack registers them in a privatelink.blob zone: privateDnsZoneId, or one it creates)';
const ZONE_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;

/** What `privateNetworking` needs of the subnets; the text after the key on an error. */
const PURPOSE = {
  containerAppsSubnetId: "the Container Apps environment's own subnet (delegated to Microsoft.App/environments, /27 or larger, with an NSG)",
  privateEndpointSubnetId: "the subnet the storage accounts' private endpoints go into (not delegated)",
} as const;

function parseSubnet(field: keyof typeof PURPOSE, value: unknown, problems: string[]): SubnetRef | undefined {
  const key = `${KEY}.${field}`;
  if (value === undefined || value === "") {
    problems.push(`${key}: found nothing, expected ${EXPECTED_SUBNET}: ${PURPOSE[field]}`);
    return undefined;
  }
  const parsed = typeof value === "string" ? parseTargetId(value.trim()) : undefined;
  if (!parsed || "error" in parsed || parsed.kind !== "subnet") {
    problems.push(`${key}: found ${show(value)}, expected ${EXPECTED_SUBNET}: ${PURPOSE[field]}`);
    return undefined;
  }
  const id = (value as string).trim();
  const vnetId = id.slice(0, id.toLowerCase().lastIndexOf("/subnets/"));
  return { key, id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, vnetName: parsed.parentName!, vnetId, name: parsed.name };
}

/** `raw` is the JSON the engine passes; `environment` is azure-native:environment (the cloud names the zone). */
export function parsePrivateNetworking(raw: string | undefined, environment: string | undefined, problems: string[]): PrivateNetworking | undefined {
  const fields = readConfigObject(KEY, raw, EXPECTED_OBJECT, problems);
  if (!fields) return undefined;
  for (const extra of Object.keys(fields).filter((k) => !(PRIVATE_NETWORKING_FIELDS as readonly string[]).includes(k))) {
    problems.push(`${KEY}.${extra}: found an unknown field, expected only ${PRIVATE_NETWORKING_FIELDS.join(", ")}`);
  }
  const before = problems.length;
  const containerAppsSubnet = parseSubnet("containerAppsSubnetId", fields.containerAppsSubnetId, problems);
  const privateEndpointSubnet = parseSubnet("privateEndpointSubnetId", fields.privateEndpointSubnetId, problems);
  if (containerAppsSubnet && privateEndpointSubnet && containerAppsSubnet.id.toLowerCase() === privateEndpointSubnet.id.toLowerCase()) {
    problems.push(
      `${KEY}.privateEndpointSubnetId: found the same subnet as ${KEY}.containerAppsSubnetId, expected another one: the environment's subnet is ` +
        "delegated to Microsoft.App/environments and holds nothing else, and private endpoints cannot go into a delegated subnet",
    );
  }
  const dns = fields.dns;
  if (dns !== "policy" && dns !== "stack") problems.push(`${KEY}.dns: found ${dns === undefined ? "nothing" : show(dns)}, expected ${EXPECTED_DNS}`);
  const blobDnsZoneName = `privatelink.blob.${STORAGE_SUFFIXES[cloudOf(environment)]}`;
  const zoneId = typeof fields.privateDnsZoneId === "string" ? fields.privateDnsZoneId.trim() : fields.privateDnsZoneId;
  if (zoneId !== undefined && zoneId !== "") {
    const m = typeof zoneId === "string" ? ZONE_ID.exec(zoneId) : null;
    if (dns === "policy") {
      problems.push(
        `${KEY}.privateDnsZoneId: found it with dns "policy", expected it only with dns "stack" (the stack registers its endpoints in that zone); ` +
          "under policy the platform registers them. Choose a single approach.",
      );
    } else if (!m) {
      problems.push(
        `${KEY}.privateDnsZoneId: found ${show(zoneId)}, expected the ARM id of a private DNS zone, ` +
          `/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/${blobDnsZoneName}, or nothing to let the stack create it`,
      );
    } else if (m[1].toLowerCase() !== blobDnsZoneName) {
      problems.push(`${KEY}.privateDnsZoneId: found the zone ${m[1]}, expected ${blobDnsZoneName} (the zone of blob private endpoints in this cloud)`);
    }
  }
  if (problems.length > before) return undefined;
  return {
    containerAppsSubnet: containerAppsSubnet!,
    privateEndpointSubnet: privateEndpointSubnet!,
    dns: dns as PrivateDns,
    ...(typeof zoneId === "string" && zoneId !== "" ? { privateDnsZoneId: zoneId } : {}),
    blobDnsZoneName,
  };
}

/** In private mode, sasExpiry must be unset: no SAS is minted. */
export function refuseSasExpiry(raw: string | undefined, problems: string[]): void {
  if (raw === undefined || raw.trim() === "") return;
  problems.push(
    `sasExpiry: found ${show(raw.trim())} while ${KEY} is set, expected nothing: Sekoia's pull connector cannot reach a storage account ` +
      "without public network access, so private mode mints no SAS (the forwarder delivers every tuple through the private endpoints); " +
      "`pulumi config rm sasExpiry`",
  );
}

/**
 * In private mode the image must be prebuilt and pulled with a credential: the stack cannot push to a
 * registry nobody outside the network reaches, and an anonymous pull means a public registry.
 * `image` is forwarderImage ("" when unset; a malformed one is reported by its own key); `pullRequested` whether a pull credential is set.
 */
export function requirePrivateImage(image: string, pullRequested: boolean, problems: string[]): void {
  const idFix =
    "`pulumi config set forwarderImageRegistryId /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>`";
  if (image === "") {
    problems.push(
      `forwarderImage: found nothing while ${KEY} is set, expected a prebuilt image pinned by digest in a registry the environment reaches privately: ` +
        "in private mode the stack cannot build and push the image (nobody outside the network can push to a registry without public access). " +
        "Push forwarder/Dockerfile's image from inside the network, then `pulumi config set forwarderImage <registry>.azurecr.io/sekoia-flowlogs-forwarder@sha256:<digest>` " +
        `and ${idFix}`,
    );
  } else if (!pullRequested) {
    problems.push(
      `forwarderImageRegistryId: found nothing while ${KEY} is set, expected the ARM id of the Azure Container Registry forwarderImage is in ` +
        `(the app pulls with its identity, through the registry's private endpoint): ${idFix}; for another private registry set ` +
        "forwarderImageRegistryUsername and `pulumi config set --secret forwarderImageRegistryPassword <password>` instead",
    );
  }
}

/**
 * Event mode (forwarderScale above one replica) is not made private yet: its queue in the checkpoint
 * account would need a private endpoint of its own (`queue`, with its privatelink.queue zone), and the
 * Event Grid topics' delivery into it the trusted-services exception. Refused rather than deployed half private.
 */
export function refuseEventMode(maxReplicas: number, problems: string[]): void {
  if (maxReplicas <= 1) return;
  problems.push(
    `forwarderScale: found maxReplicas ${maxReplicas} while privateNetworking is set, expected at most 1: event mode's blob-events queue ` +
      "would need a private endpoint and DNS zone of its own, which private mode does not make yet; keep one replica " +
      "(`pulumi config rm forwarderScale`, and a larger forwarderSize for a large estate: docs/performance.md), or use event mode in public mode",
  );
}
