// The stack config of the acceptance run's first deployment, per mode, kept free of Azure calls so
// npm test checks that the program accepts it: the public run's keys; private mode's prebuilt image
// (private mode cannot build one, so the public phase runs the same); event mode's two replicas.
import type { AcceptanceMode } from "./decisions";
import { eventStackConfig } from "./event-mode";

export type AcceptanceStackConfig = Record<string, { value: string; secret?: boolean }>;

/** What the fixture gives the stack: where it is and the VNet whose flow log the run reads. */
export interface Fixture {
  readonly location: string;
  readonly subscriptionId: string;
  readonly vnetId: string;
}

/** Days the run's SAS stays valid: long past the run, short of the program's 30-day warning. */
const SAS_DAYS = 90;

export function acceptanceStackConfig(mode: AcceptanceMode, fixture: Fixture, env: NodeJS.ProcessEnv, now: Date): AcceptanceStackConfig {
  const { location, subscriptionId, vnetId } = fixture;
  const base: AcceptanceStackConfig = {
    "azure-native:location": { value: location },
    "azure-native:subscriptionId": { value: subscriptionId },
    targets: { value: JSON.stringify([{ id: vnetId, location }]) },
    sasExpiry: { value: new Date(now.getTime() + SAS_DAYS * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z") },
    sekoiaVnetIntakeKey: { value: env.SEKOIA_VNET_INTAKE_KEY ?? "", secret: true },
  };
  if (mode === "events") return eventStackConfig(base);
  if (mode === "private")
    return {
      ...base,
      forwarderImage: { value: env.ACCEPTANCE_FORWARDER_IMAGE ?? "" },
      forwarderImageRegistryId: { value: env.ACCEPTANCE_FORWARDER_REGISTRY_ID ?? "" },
    };
  return base;
}
