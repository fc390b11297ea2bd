// Storage for one scenario: a fresh in-memory Azurite with the two flow-log containers, and the
// forwarder environment that points at it (read-only SAS on the sources, a fresh checkpoint container
// per run so that every run starts from nothing unless told otherwise).

import type { ContainerClient } from "@azure/storage-blob";
import type { FlowLogKind } from "../../forwarder/contract";
import { Azurite } from "../helpers/azurite";
import { CONTAINERS, KEYS } from "./flow-log-estate";

export class ScenarioStorage {
  private checkpoints = 0;

  private constructor(readonly azurite: Azurite) {}

  static async start(): Promise<ScenarioStorage> {
    const azurite = await Azurite.start();
    for (const name of Object.values(CONTAINERS)) await azurite.createContainer(name);
    return new ScenarioStorage(azurite);
  }

  container(kind: FlowLogKind): ContainerClient {
    return this.azurite.service.getContainerClient(CONTAINERS[kind]);
  }

  get containers(): Record<FlowLogKind, ContainerClient> {
    return { nsg: this.container("nsg"), vnet: this.container("vnet") };
  }

  /** A new, empty checkpoint container's SAS URL. */
  async newCheckpoint(): Promise<string> {
    const name = `bench-checkpoints-${++this.checkpoints}`;
    await this.azurite.createContainer(name);
    return this.azurite.containerSasUrl(name, "racwdl");
  }

  /**
   * The forwarder's environment for `kinds`; `sourceUrl` may rewrite the source URLs (through a
   * counting proxy).
   */
  env(
    intakeUrl: string,
    checkpointUrl: string,
    kinds: readonly FlowLogKind[] = ["nsg", "vnet"],
    sourceUrl: (url: string) => string = (url) => url,
  ): Record<string, string> {
    return {
      FLOWLOG_SOURCES: kinds.map((k) => sourceUrl(this.azurite.containerSasUrl(CONTAINERS[k]))).join(","),
      CHECKPOINT_URL: checkpointUrl,
      SEKOIA_INTAKE_URL: intakeUrl,
      SEKOIA_NSG_INTAKE_KEY: KEYS.nsg,
      SEKOIA_VNET_INTAKE_KEY: KEYS.vnet,
    };
  }

  async stop(): Promise<void> {
    await this.azurite.stop();
  }
}
