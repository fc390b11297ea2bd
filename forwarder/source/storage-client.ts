// A ContainerClient for a configured location: the SAS when the URL carries one, otherwise the
// workload's Azure identity (the Container App's user-assigned managed identity in production).

import { DefaultAzureCredential } from "@azure/identity";
import { AnonymousCredential, ContainerClient, type StoragePipelineOptions } from "@azure/storage-blob";
import type { ContainerLocation } from "./container-location";

const PIPELINE_OPTIONS: StoragePipelineOptions = {
  // The SDK retries transient faults itself; a poll that still fails is retried by the next poll.
  retryOptions: { maxTries: 3, tryTimeoutInMs: 60_000, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
  userAgentOptions: { userAgentPrefix: "sekoia-azure-flowlog-forwarder" },
};

export function containerClient(location: ContainerLocation): ContainerClient {
  if (location.sas) return new ContainerClient(`${location.url}?${location.sas}`, new AnonymousCredential(), PIPELINE_OPTIONS);
  return new ContainerClient(location.url, new DefaultAzureCredential(), PIPELINE_OPTIONS);
}
