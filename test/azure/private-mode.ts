// The acceptance tier's private-mode run (`ACCEPTANCE_MODE=private npm run test:azure`), its decisions
// kept free of Azure calls so npm test checks them. The fixture adds to the public run's VNet what a
// network team prepares (docs/private-networking.md): an NSG, a /27 subnet delegated to
// Microsoft.App/environments for the environment, a /28 for the private endpoints. No firewall: the
// subnets keep Azure's default outbound access, which is what this run does not test. The stack
// creates the privatelink.blob zone (dns "stack": the fixture has no platform policy to make records).
//
// The run deploys the stack public first (with the prebuilt image both times), waits for tuples, then
// switches it to private mode, as an existing stack would be: the switch must keep every storage
// account (no replacement: unread blobs survive), leave none with a public endpoint, and flow-log
// blobs must still arrive with public network access disabled (Microsoft's storage docs say Network
// Watcher's trusted-service exception still applies; a public field report, DFE-Digital
// terraform-azurerm-container-apps-hosting#388, says writes stopped), read through the endpoints.
// The "flow logs stopped" rule reports a flow log that stops writing; when no tuple arrives, the run
// runs that rule's own query to say which side failed.

/** What the run needs besides the public run's settings. */
export const PRIVATE_SETTINGS: ReadonlyArray<{ readonly name: string; readonly present: (env: NodeJS.ProcessEnv) => boolean; readonly fix: string }> = [
  {
    name: "ACCEPTANCE_FORWARDER_IMAGE",
    present: (env) => /^[a-z0-9]+\.azurecr\.(io|us|cn)\/[\w./-]+@sha256:[0-9a-f]{64}$/.test(env.ACCEPTANCE_FORWARDER_IMAGE ?? ""),
    fix: "private mode cannot push an image: set ACCEPTANCE_FORWARDER_IMAGE to the forwarder image pinned by digest in an Azure Container Registry (<name>.azurecr.io/sekoia-flowlogs-forwarder@sha256:<digest>)",
  },
  {
    name: "ACCEPTANCE_FORWARDER_REGISTRY_ID",
    present: (env) =>
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[A-Za-z0-9]+$/i.test(
        env.ACCEPTANCE_FORWARDER_REGISTRY_ID ?? "",
      ),
    fix: "set ACCEPTANCE_FORWARDER_REGISTRY_ID to that registry's ARM id (the app pulls with its identity; the registry must be reachable from the fixture's VNet)",
  },
];

/** Address plan of the fixture's VNet in private mode (the public run uses 10.42.1.0/24 for the VM). */
export const PRIVATE_SUBNETS = {
  containerApps: { name: "snet-sekoia-aca", addressPrefix: "10.42.2.0/27" },
  privateEndpoints: { name: "snet-sekoia-pe", addressPrefix: "10.42.3.0/28" },
} as const;

/** The privateNetworking value for the fixture's VNet. */
export function privateNetworkingFor(vnetId: string): Record<string, string> {
  return {
    containerAppsSubnetId: `${vnetId}/subnets/${PRIVATE_SUBNETS.containerApps.name}`,
    privateEndpointSubnetId: `${vnetId}/subnets/${PRIVATE_SUBNETS.privateEndpoints.name}`,
    dns: "stack",
  };
}

/** The stack config of the private run: the public run's, less sasExpiry, with the subnets and the prebuilt image. */
export function privateStackConfig(
  base: Readonly<Record<string, { value: string; secret?: boolean }>>,
  vnetId: string,
  env: NodeJS.ProcessEnv,
): Record<string, { value: string; secret?: boolean }> {
  const { sasExpiry: _noSas, ...rest } = base;
  return {
    ...rest,
    privateNetworking: { value: JSON.stringify(privateNetworkingFor(vnetId)) },
    forwarderImage: { value: env.ACCEPTANCE_FORWARDER_IMAGE! },
    forwarderImageRegistryId: { value: env.ACCEPTANCE_FORWARDER_REGISTRY_ID! },
  };
}

/** Accounts (from `az storage account show`) that still have a public endpoint: none may. */
export function publicAccounts(accounts: ReadonlyArray<{ name: string; publicNetworkAccess?: string; networkRuleSet?: { defaultAction?: string } }>): string[] {
  return accounts.filter((a) => a.publicNetworkAccess !== "Disabled" || a.networkRuleSet?.defaultAction !== "Deny").map((a) => a.name);
}

/** The failure when no tuple arrived in private mode, saying which side to look at from the stopped rule's query. */
export function noTuplesMessage(stoppedRuleFires: boolean | undefined): string {
  const alert =
    stoppedRuleFires === undefined
      ? "the flow-logs-stopped rule's query could not be run"
      : stoppedRuleFires
        ? 'the "flow logs stopped" alert fires: Network Watcher did not write to an account without public network access (the trusted-services exception did not apply)'
        : 'the "flow logs stopped" alert does not fire: blobs were written, so the forwarder could not read them through the private endpoints (DNS of privatelink.blob, the NSG, its roles)';
  return `private mode: no tuple reached the intake; ${alert}`;
}

/** The engine events of an `up` this module reads (a subset of the Automation API's EngineEvent). */
export interface StepEvent {
  readonly resourcePreEvent?: { readonly metadata: { readonly op: string; readonly type: string; readonly urn: string } };
}

/** URNs of resources of `type` the step replaces or deletes (an account replaced loses its unread blobs). */
export function replacedOrDeleted(events: readonly StepEvent[], type: string): string[] {
  const lost = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);
  const urns = events.flatMap((e) =>
    e.resourcePreEvent && e.resourcePreEvent.metadata.type === type && lost.has(e.resourcePreEvent.metadata.op) ? [e.resourcePreEvent.metadata.urn] : [],
  );
  return [...new Set(urns)].sort();
}
