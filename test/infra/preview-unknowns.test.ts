// infra/index.ts in a real preview: a resource still to be created has unknown outputs (its id, its
// endpoints), and `apply` never calls back for them. The stack program must still finish (it waited on
// them once, which would have kept `pulumi preview`, and `pulumi up`'s own preview, from ever ending),
// and keep the output. Under the recording mocks every output is known, so this test makes some unknown.
import { describe, expect, it } from "vitest";
import { defaultConfig, runStack } from "./harness";
import { privateConfig, networkOf, preparedVnet } from "./private-scenario";

/** Mocks whose storage accounts report no endpoints and private endpoints no DNS configs, as before creation. */
const unknownEndpoints = (m: import("@pulumi/pulumi").runtime.Mocks): import("@pulumi/pulumi").runtime.Mocks => ({
  ...m,
  newResource: (args) => {
    const result = m.newResource(args) as { id: string; state: Record<string, unknown> };
    if (args.type === "azure-native:storage:StorageAccount") delete result.state.primaryEndpoints;
    if (args.type === "azure-native:network:PrivateEndpoint") delete result.state.customDnsConfigs;
    return result;
  },
});

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`the program had not finished after ${ms} ms`)), ms))]);

describe("the stack program in a preview with unknown outputs", () => {
  it.each([
    ["public", () => ({ config: defaultConfig() })],
    ["private", () => ({ config: privateConfig(), networkReader: networkOf(preparedVnet()) })],
  ])("finishes in %s mode, keeping the outputs it cannot know yet", async (_mode, scenario) => {
    const run = await within(runStack({ ...scenario(), preview: true, mocks: unknownEndpoints }), 60_000);
    expect(run.outputs.flowLogStorage).toBe("[unknown]");
    expect(run.outputs.checkpointContainerUrl).toBe("[unknown]");
    expect(run.outputs.forwarderAppName).toEqual(expect.stringMatching(/^forwarder-app/));
  });
});
