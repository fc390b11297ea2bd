// What most forwarder tests start first: Azurite with the two flow-log containers and a checkpoint
// container, a contract-enforcing loopback intake, and the forwarder environment that points at them
// with SAS URLs, as an operator would configure it.

import { Azurite } from "./azurite";
import { IntakeServer } from "./intake-server";

export const NSG_KEY = "nsg-intake-key-0123456789";
export const VNET_KEY = "vnet-intake-key-9876543210";
export const NSG_CONTAINER = "insights-logs-networksecuritygroupflowevent";
export const VNET_CONTAINER = "insights-logs-flowlogflowevent";
export const CHECKPOINT_CONTAINER = "checkpoints";

export interface FlowLogStack {
  readonly azurite: Azurite;
  readonly intake: IntakeServer;
  /** The forwarder's environment: both sources, the checkpoint container, the intake and its keys. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFlowLogStack(): Promise<FlowLogStack> {
  const azurite = await Azurite.start();
  const intake = await IntakeServer.start({ keys: [NSG_KEY, VNET_KEY], basePath: "/api/v1/intake-http" }).catch(async (error) => {
    await azurite.stop();
    throw error;
  });
  for (const container of [NSG_CONTAINER, VNET_CONTAINER, CHECKPOINT_CONTAINER]) await azurite.createContainer(container);
  const env = {
    FLOWLOG_SOURCES: [azurite.containerSasUrl(NSG_CONTAINER), azurite.containerSasUrl(VNET_CONTAINER)].join(","),
    CHECKPOINT_URL: azurite.containerSasUrl(CHECKPOINT_CONTAINER, "racwdl"),
    SEKOIA_INTAKE_URL: intake.url,
    SEKOIA_NSG_INTAKE_KEY: NSG_KEY,
    SEKOIA_VNET_INTAKE_KEY: VNET_KEY,
  };
  return {
    azurite,
    intake,
    env,
    async stop() {
      await intake.stop();
      await azurite.stop();
    },
  };
}

/** A tuple as the intake received it, keyed by the fields that make it unique in generated data. */
export function eventTupleKey(event: string): string {
  const fields = JSON.parse(event) as Record<string, unknown>;
  return `${String(fields["flow.0"])}|${String(fields.macAddress)}|${String(fields.rule)}|${String(fields.time)}`;
}

/** The same key for a generated tuple. */
export function generatedTupleKey(tuple: { tuple: string; mac: string; rule: string; time: string }): string {
  return `${tuple.tuple}|${tuple.mac}|${tuple.rule}|${tuple.time}`;
}
