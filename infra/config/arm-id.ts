// Parses the ARM ids of flow-log targets: which kind of resource, in which subscription and group.
// Pure functions, no Pulumi: config.ts validates with them before any resource is registered.

/** The resource kinds a flow log can target. NSG = NSG flow logs; the others = VNet flow logs. */
export type TargetKind = "nsg" | "vnet" | "subnet" | "nic";

import type { FlowLogKind } from "../../forwarder/contract";

/** The two flow-log families: they write to different containers and use different intake keys. */
export type FlowLogFamily = FlowLogKind;

export interface ParsedTargetId {
  readonly kind: TargetKind;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** The resource's own name (for a subnet: the subnet's name). */
  readonly name: string;
  /** For a subnet: its virtual network. */
  readonly parentName?: string;
}

export function familyOf(kind: TargetKind): FlowLogFamily {
  return kind === "nsg" ? "nsg" : "vnet";
}

/** A subscription id (any case, as Azure accepts it). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: 1-90 of letters, digits, underscores, hyphens, periods, parentheses; not ending in a period.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
// Network resource names: start alphanumeric, end alphanumeric or underscore, 1-80 characters.
const NETWORK_NAME = /^[A-Za-z0-9](?:[-\w.]{0,78}\w)?$/;

const SHAPES: ReadonlyArray<{ kind: TargetKind; types: readonly string[] }> = [
  { kind: "nsg", types: ["networksecuritygroups"] },
  { kind: "vnet", types: ["virtualnetworks"] },
  { kind: "subnet", types: ["virtualnetworks", "subnets"] },
  { kind: "nic", types: ["networkinterfaces"] },
];

export const EXPECTED_TARGET_ID =
  "an ARM id /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/" +
  "{networkSecurityGroups/<nsg> | virtualNetworks/<vnet> | virtualNetworks/<vnet>/subnets/<subnet> | networkInterfaces/<nic>}";

/**
 * Parses a target's ARM id, case-insensitively as Azure does. Returns the parsed id or a sentence
 * saying what is wrong (the caller prefixes the config key).
 */
export function parseTargetId(id: string): ParsedTargetId | { error: string } {
  const parts = id.split("/");
  if (parts[0] !== "" || parts.length < 9 || parts.some((p, i) => i > 0 && p === "")) {
    return { error: `found "${id}", expected ${EXPECTED_TARGET_ID}` };
  }
  const [, subs, subscriptionId, rgs, resourceGroup, providers, namespace, ...rest] = parts;
  if (subs.toLowerCase() !== "subscriptions" || rgs.toLowerCase() !== "resourcegroups" || providers.toLowerCase() !== "providers") {
    return { error: `found "${id}", expected ${EXPECTED_TARGET_ID}` };
  }
  if (!GUID.test(subscriptionId)) {
    return { error: `found subscription "${subscriptionId}" in "${id}", expected a subscription GUID` };
  }
  if (!RESOURCE_GROUP.test(resourceGroup)) {
    return { error: `found resource group "${resourceGroup}" in "${id}", expected a valid resource group name` };
  }
  if (namespace.toLowerCase() !== "microsoft.network") {
    return { error: `found provider "${namespace}" in "${id}", expected Microsoft.Network (NSG, VNet, subnet or NIC)` };
  }
  const types = rest.filter((_, i) => i % 2 === 0).map((t) => t.toLowerCase());
  const names = rest.filter((_, i) => i % 2 === 1);
  const shape = rest.length % 2 === 0 ? SHAPES.find((s) => s.types.join("/") === types.join("/")) : undefined;
  if (!shape) {
    return {
      error:
        `found resource type "${namespace}/${rest.filter((_, i) => i % 2 === 0).join("/")}" in "${id}", ` +
        "expected networkSecurityGroups, virtualNetworks, virtualNetworks/subnets or networkInterfaces",
    };
  }
  const bad = names.find((n) => !NETWORK_NAME.test(n));
  if (bad !== undefined) {
    return { error: `found resource name "${bad}" in "${id}", expected 1-80 letters, digits, '-', '_' or '.'` };
  }
  const name = names[names.length - 1];
  return {
    kind: shape.kind,
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup,
    name,
    ...(names.length > 1 ? { parentName: names[0] } : {}),
  };
}
