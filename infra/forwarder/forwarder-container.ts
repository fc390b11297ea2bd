// What the forwarder's container is given: its variables (intake keys only by secretRef), its
// probes, its replica bounds and scale rule. Pure functions of the stack's decisions, so the tests read
// them directly; forwarder-app.ts puts them on the Container App.
import type * as inputs from "@pulumi/azure-native/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULTS, HEALTH_PATHS, intakeKeyVariable, VARIABLES } from "../../forwarder/contract";
import type { FlowLogFamily } from "../config/arm-id";
import { INTAKE_KEYS_VERSION_VARIABLE } from "./intake-keys-version";

/** Event mode: a replica is added per this many messages waiting (KEDA's azure-queue queueLength). */
export const MESSAGES_PER_REPLICA = 64;

export const CONTAINER_NAME = "forwarder";
export const WORKLOAD_PROFILE = "Consumption";

/** Probes of the forwarder container: none depends on storage or the intake (forwarder-app.ts says why). */
export function forwarderProbes(): inputs.app.ContainerAppProbeArgs[] {
  const healthz = { path: HEALTH_PATHS.liveness, port: DEFAULTS.healthPort };
  return [
    // Up to 5 minutes to start listening; the process listens before touching any dependency.
    { type: "Startup", httpGet: healthz, periodSeconds: 10, failureThreshold: 30 },
    { type: "Readiness", httpGet: healthz, periodSeconds: 10, failureThreshold: 3 },
    { type: "Liveness", httpGet: healthz, periodSeconds: 30, failureThreshold: 3 },
  ];
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
