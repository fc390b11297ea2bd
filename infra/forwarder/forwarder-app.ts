// The forwarder service: a Container Apps environment logging to the stack's workspace, a
// user-assigned identity with least-privilege roles, and the Container App itself (exactly one
// replica, or in event mode as many as the blob-events queue needs; probes on the health port,
// intake keys only as Container App secrets).
//
// A user-assigned identity, not a system-assigned one: it exists (and holds AcrPull) before the app
// is created, and the app waits for its grants to propagate (role-propagation.ts) before its first
// revision pulls the image; the forwarder still retries storage 403s at start.
//
// Provisioning waits for the first replica's startup and readiness probes. Both only ask whether
// the process serves HTTP (/healthz): a probe on storage or intake health (/readyz) would keep the
// only replica unready while its roles propagate, and ARM ends the operation with "Operation
// expired". Dependency health stays visible in /readyz (JSON), /metrics and the logs.
//
// Private mode: the environment is internal to the given subnet (its egress the subnet's, through the
// customer's routes); the app has no ingress in either mode; the first revision waits for the endpoints.
//
// A workload-profile environment (Consumption profile): Consumption-only environments are legacy.
// Its logs reach the workspace through the `azure-monitor` destination and a diagnostic setting
// (forwarder-logs.ts).
import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type * as inputs from "@pulumi/azure-native/types/input";
import { DEFAULTS, HEALTH_PATHS, intakeKeyVariable, VARIABLES } from "../../forwarder/contract";
import type { FlowLogFamily } from "../config/arm-id";
import { APP_LOGS_CONFIGURATION, forwarderLogSetting } from "./forwarder-logs";
import { INTAKE_KEYS_VERSION_VARIABLE, intakeKeysVersion } from "./intake-keys-version";
import { RolePropagationWait } from "./role-propagation";
import { FORWARDER_SIZES, type ForwarderSize } from "../config/forwarder-size-config";

/** Built-in role definition GUIDs (identical in every Azure tenant). */
export const ROLES = {
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /**
   * Event mode: the app receives, deletes and re-times messages (update needs more than Message
   * Processor) and puts the reconciliation's announcements (Put Message: messages/write); KEDA reads the length.
   */
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  /** Event mode: the system topics' identity adds messages, nothing else. */
  storageQueueDataMessageSender: "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
} as const;

/** Event mode: a replica is added per this many messages waiting (KEDA's azure-queue queueLength). */
export const MESSAGES_PER_REPLICA = 64;

export const CONTAINER_NAME = "forwarder";
export const WORKLOAD_PROFILE = "Consumption";

/** Probes of the forwarder container: none depends on storage or the intake (see the file comment). */
export function forwarderProbes(): inputs.app.ContainerAppProbeArgs[] {
  const healthz = { path: HEALTH_PATHS.liveness, port: DEFAULTS.healthPort };
  return [
    // Up to 5 minutes to start listening; the process listens before touching any dependency.
    { type: "Startup", httpGet: healthz, periodSeconds: 10, failureThreshold: 30 },
    { type: "Readiness", httpGet: healthz, periodSeconds: 10, failureThreshold: 3 },
    { type: "Liveness", httpGet: healthz, periodSeconds: 30, failureThreshold: 3 },
  ];
}

/** Role definition id in the subscription of `scope` (a resource id). */
export function roleDefinitionId(scope: string, roleGuid: string): string {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
  if (!subscription) throw new Error(`roleDefinitionId: found scope "${scope}", expected a resource id under /subscriptions/<id>`);
  return `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * Role assignment names must be GUIDs: derived from scope, role and principal (like Bicep's guid()),
 * so the same grant always has the same name and a second grant of it cannot be created by mistake.
 */
export function roleAssignmentName(scope: string, roleGuid: string, principalId: string): string {
  const h = createHash("sha256").update(`${scope.toLowerCase()}|${roleGuid}|${principalId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Container App secret holding the intake key of a family. */
export function intakeSecretName(family: FlowLogFamily): string {
  return `sekoia-${family}-intake-key`;
}

/** Container URLs without any credential, sorted: the forwarder reads them with its identity. */
export function flowLogSourceUrls(accounts: ReadonlyArray<{ blobEndpoint: string; containers: readonly string[] }>): string {
  const urls = accounts.flatMap((a) => a.containers.map((c) => `${a.blobEndpoint.replace(/\/+$/, "")}/${c}`));
  return [...new Set(urls)].sort().join(",");
}

/** `<account>=<subscription>` per account, sorted: the forwarder's `status` groups its sources by subscription. */
export function flowLogAccountSubscriptions(accounts: ReadonlyArray<{ blobEndpoint: string; subscriptionId: string }>): string {
  const pairs = accounts.map((a) => `${new URL(a.blobEndpoint).hostname.split(".")[0]}=${a.subscriptionId}`);
  return [...new Set(pairs)].sort().join(",");
}

/** The forwarder's environment. Intake keys appear only as secretRef, never as a value. */
export function forwarderEnvironment(env: {
  sources: pulumi.Input<string>;
  accountSubscriptions: pulumi.Input<string>;
  checkpointUrl: pulumi.Input<string>;
  intakeUrl: string;
  families: readonly FlowLogFamily[];
  clientId: pulumi.Input<string>;
  /** Event mode: the blob-events queue URL (read with the identity). */
  eventsQueueUrl?: pulumi.Input<string>;
  intakeKeysVersion: pulumi.Input<string>;
}): inputs.app.EnvironmentVarArgs[] {
  return [
    { name: VARIABLES.sources, value: env.sources },
    { name: VARIABLES.accountSubscriptions, value: env.accountSubscriptions },
    { name: VARIABLES.checkpointUrl, value: env.checkpointUrl },
    { name: VARIABLES.intakeUrl, value: env.intakeUrl },
    ...(["nsg", "vnet"] as const).filter((f) => env.families.includes(f)).map((f) => ({ name: intakeKeyVariable(f), secretRef: intakeSecretName(f) })),
    { name: VARIABLES.pollIntervalSeconds, value: String(DEFAULTS.pollIntervalSeconds) },
    { name: VARIABLES.healthPort, value: String(DEFAULTS.healthPort) },
    { name: "AZURE_CLIENT_ID", value: env.clientId },
    { name: INTAKE_KEYS_VERSION_VARIABLE, value: env.intakeKeysVersion },
    ...(env.eventsQueueUrl !== undefined ? [{ name: VARIABLES.eventsQueueUrl, value: env.eventsQueueUrl }] : []),
  ];
}

/**
 * The app's replicas: exactly one in polling mode (one reader of the checkpoints, never to zero); in
 * event mode between the configured bounds, scaled by KEDA's azure-queue scaler on the blob-events
 * queue, authenticated with the app's identity.
 */
export function forwarderScaleRules(
  scale: { readonly minReplicas: number; readonly maxReplicas: number } | undefined,
  queue: { readonly accountName: pulumi.Input<string>; readonly queueName: pulumi.Input<string> } | undefined,
  identityId: pulumi.Input<string>,
): inputs.app.ScaleArgs {
  if (!scale || !queue || scale.maxReplicas <= 1) return { minReplicas: 1, maxReplicas: 1 };
  return {
    minReplicas: scale.minReplicas,
    maxReplicas: scale.maxReplicas,
    rules: [
      {
        name: "blob-events",
        azureQueue: { accountName: queue.accountName, queueName: queue.queueName, queueLength: MESSAGES_PER_REPLICA, identity: identityId },
      },
    ],
  };
}

/** Container App secret holding a registry password. */
export const REGISTRY_PASSWORD_SECRET = "registry-password";

/**
 * The registry the image is pulled from: an ACR pulled with the app's identity (AcrPull granted on
 * `id`: the stack's own registry, or `forwarderImageRegistryId`), or any registry with a username
 * and a secret password.
 */
export type ImageRegistry =
  | { readonly kind: "identity"; readonly server: pulumi.Input<string>; readonly id: pulumi.Input<string> }
  | { readonly kind: "password"; readonly server: string; readonly username: string; readonly password: pulumi.Input<string> };

/** A flow-log account the forwarder reads, in any subscription of the tenant. */
export interface FlowLogAccount {
  /** Names its role assignment: the region, with the subscription outside the shared one (estate.ts). */
  readonly name: string;
  readonly subscriptionId: string;
  /** The provider of the account's subscription: grants on the account are made through it. */
  readonly provider: pulumi.ProviderResource;
  readonly accountId: pulumi.Input<string>;
  readonly blobEndpoint: pulumi.Input<string>;
  readonly containers: readonly string[];
}

export interface ForwarderAppArgs {
  /** Region of the environment and app (the shared region). Change replaces. */
  readonly location: string;
  /** Resource group (the stack's). Change replaces. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** ARM id of the Log Analytics workspace the environment's logs are sent to (a diagnostic setting). */
  readonly workspaceId: pulumi.Input<string>;
  /** Image to run (digest-pinned); a new value rolls a new revision. */
  readonly imageRef: pulumi.Input<string>;
  /** How to pull the image; default none (anonymous pull). */
  readonly registry?: ImageRegistry;
  /**
   * Flow-log storage accounts: Storage Blob Data Reader on each, in its own subscription; their
   * containers become FLOWLOG_SOURCES, their subscriptions FLOWLOG_ACCOUNT_SUBSCRIPTIONS.
   */
  readonly flowLogAccounts: readonly FlowLogAccount[];
  /** Checkpoint container: ARM id (scope of Storage Blob Data Contributor) and URL (CHECKPOINT_URL). */
  readonly checkpoint: { readonly containerId: pulumi.Input<string>; readonly containerUrl: pulumi.Input<string> };
  /** Sekoia intake base URL (default https://intake.sekoia.io). */
  readonly intakeUrl: string;
  /** Intake keys (secrets) of the targeted families; each becomes a Container App secret. */
  readonly intakeKeys: Readonly<Partial<Record<FlowLogFamily, pulumi.Input<string>>>>;
  /** vCPU and memory of the container, a pair Container Apps accepts (forwarder-size-config.ts). Default 0.25 / 0.5Gi. */
  readonly size?: ForwarderSize;
  /** Tags. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Replicas; default exactly one (polling mode). Above one needs `blobEvents`. */
  readonly scale?: { readonly minReplicas: number; readonly maxReplicas: number };
  /** Event mode: the blob-events queue (ARM id for the grant, URL for the forwarder, account and name for the scale rule). */
  readonly blobEvents?: {
    readonly queueId: pulumi.Input<string>;
    readonly queueUrl: pulumi.Input<string>;
    readonly accountName: pulumi.Input<string>;
    readonly queueName: pulumi.Input<string>;
  };
  /** Private mode: the subnet the environment is injected into, internal. Default: no VNet. Change replaces the environment. */
  readonly infrastructureSubnetId?: string;
  /** What must exist before the first revision can reach storage (private endpoints, DNS). Default none. */
  readonly storageReachableAfter?: readonly pulumi.Resource[];
}

export class ForwarderApp extends pulumi.ComponentResource {
  public readonly app: app.ContainerApp;
  /** The Container App's name (ContainerAppName in the logs). */
  public readonly appName: pulumi.Output<string>;
  public readonly identityClientId: pulumi.Output<string>;

  constructor(name: string, args: ForwarderAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:ForwarderApp", name, args, opts);
    const size = args.size ?? FORWARDER_SIZES[0];
    const environment = new app.ManagedEnvironment(
      `${name}-environment`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        appLogsConfiguration: APP_LOGS_CONFIGURATION,
        workloadProfiles: [{ name: WORKLOAD_PROFILE, workloadProfileType: WORKLOAD_PROFILE }],
        // Private mode: injected into the subnet, internal (no public IP).
        ...(args.infrastructureSubnetId ? { vnetConfiguration: { infrastructureSubnetId: args.infrastructureSubnetId, internal: true } } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    forwarderLogSetting(`${name}-logs`, environment.id, args.workspaceId, { parent: this });
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    const grant = (purpose: string, scope: pulumi.Input<string>, role: string, provider?: pulumi.ProviderResource) =>
      new authorization.RoleAssignment(
        `${name}-${purpose}`,
        {
          roleAssignmentName: pulumi.all([scope, identity.principalId]).apply(([s, p]) => roleAssignmentName(s, role, p)),
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.output(scope).apply((s) => roleDefinitionId(s, role)),
          scope,
        },
        { parent: this, ...(provider ? { provider } : {}) },
      );
    const grants = [
      ...args.flowLogAccounts.map((a) => grant(`read-flow-logs-${a.name}`, a.accountId, ROLES.storageBlobDataReader, a.provider)),
      grant("write-checkpoints", args.checkpoint.containerId, ROLES.storageBlobDataContributor),
      ...(args.registry?.kind === "identity" ? [grant("pull-image", args.registry.id, ROLES.acrPull)] : []),
      ...(args.blobEvents ? [grant("take-blob-events", args.blobEvents.queueId, ROLES.storageQueueDataContributor)] : []),
    ];

    // Grants take minutes to reach the registry and storage: the first revision starts after they have.
    const settled = new RolePropagationWait(`${name}-roles-settled`, { grants: grants.map((g) => g.id) }, { parent: this, dependsOn: grants });

    const families = (["nsg", "vnet"] as const).filter((f) => args.intakeKeys[f] !== undefined);
    const keysVersion = pulumi.unsecret(
      pulumi
        .all(families.map((f) => pulumi.output(args.intakeKeys[f]!)))
        .apply((keys) => intakeKeysVersion(Object.fromEntries(families.map((f, i) => [f, keys[i]])))),
    );
    const endpoints = pulumi.all(args.flowLogAccounts.map((a) => pulumi.output(a.blobEndpoint)));
    const sources = endpoints.apply((all) =>
      flowLogSourceUrls(all.map((blobEndpoint, i) => ({ blobEndpoint, containers: args.flowLogAccounts[i].containers }))),
    );
    const accountSubscriptions = endpoints.apply((all) =>
      flowLogAccountSubscriptions(all.map((blobEndpoint, i) => ({ blobEndpoint, subscriptionId: args.flowLogAccounts[i].subscriptionId }))),
    );

    this.app = new app.ContainerApp(
      `${name}-app`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        managedEnvironmentId: environment.id,
        workloadProfileName: WORKLOAD_PROFILE,
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        configuration: {
          // One revision at a time; no ingress: the forwarder only makes outbound calls.
          activeRevisionsMode: "Single",
          secrets: [
            ...families.map((f) => ({ name: intakeSecretName(f), value: pulumi.secret(args.intakeKeys[f]!) })),
            ...(args.registry?.kind === "password" ? [{ name: REGISTRY_PASSWORD_SECRET, value: pulumi.secret(args.registry.password) }] : []),
          ],
          registries: !args.registry
            ? []
            : args.registry.kind === "identity"
              ? [{ server: args.registry.server, identity: identity.id }]
              : [{ server: args.registry.server, username: args.registry.username, passwordSecretRef: REGISTRY_PASSWORD_SECRET }],
        },
        template: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: args.imageRef,
              // Sized by `npm run bench` (docs/performance.md, "Container size"; test/bench/results.md):
              // memory peaks under 160 MB whatever the input, so the smallest size's 0.5 GiB holds; CPU is
              // what an estate uses up, about 89,000 tuples/s per vCPU (22,000 at the default 0.25):
              // `forwarderSize` raises it.
              resources: { cpu: size.cpu, memory: size.memory },
              env: forwarderEnvironment({
                sources,
                accountSubscriptions,
                checkpointUrl: args.checkpoint.containerUrl,
                intakeUrl: args.intakeUrl,
                families,
                clientId: identity.clientId,
                ...(args.blobEvents ? { eventsQueueUrl: args.blobEvents.queueUrl } : {}),
                intakeKeysVersion: keysVersion,
              }),
              probes: forwarderProbes(),
            },
          ],
          // Polling: exactly one reader of the checkpoints, never to zero. Event mode: replicas share blobs under per-blob leases.
          scale: forwarderScaleRules(args.scale, args.blobEvents, identity.id),
          terminationGracePeriodSeconds: 60,
        },
        tags: args.tags,
      },
      // The identity must hold its roles (AcrPull above all) before the first revision starts.
      { parent: this, dependsOn: [...grants, settled, ...(args.storageReachableAfter ?? [])] },
    );
    this.appName = this.app.name;
    this.identityClientId = identity.clientId;
    this.registerOutputs({ appName: this.appName, identityClientId: this.identityClientId });
  }
}
