// test/azure/stack-config.ts: the first deployment's config of every acceptance mode is one the
// program accepts, with a SAS that outlives the run without the program's expiry warning.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/stack-config";
import { ACCEPTANCE_MODES } from "./decisions";
import { acceptanceStackConfig } from "./stack-config";

const SUB = "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14";
const fixture = {
  location: "westeurope",
  subscriptionId: SUB,
  vnetId: `/subscriptions/${SUB}/resourceGroups/acceptance/providers/Microsoft.Network/virtualNetworks/vnet`,
};
const env = {
  SEKOIA_VNET_INTAKE_KEY: "key",
  ACCEPTANCE_FORWARDER_IMAGE: `acracceptance.azurecr.io/sekoia-flowlogs-forwarder@sha256:${"c".repeat(64)}`,
  ACCEPTANCE_FORWARDER_REGISTRY_ID: `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acracceptance`,
};
const NOW = new Date("2026-06-01T00:00:00Z");
const raw = (config: Record<string, { value: string }>) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));

describe("the acceptance run's first deployment", () => {
  it.each(ACCEPTANCE_MODES)("in %s mode is a config the program accepts, with no warning", (mode) => {
    const config = acceptanceStackConfig(mode, fixture, env, NOW);
    const { config: parsed, warnings } = parseStackConfig(raw(config), NOW);
    expect(warnings).toEqual([]);
    expect(parsed.targets).toHaveLength(1);
    expect(config.sekoiaVnetIntakeKey).toEqual({ value: "key", secret: true });
    expect(Boolean(parsed.forwarderImage)).toBe(mode === "private");
  });
});
