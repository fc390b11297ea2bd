// The component's public surface as other Pulumi languages see it: the schema `pulumi package add`
// infers from the TypeScript args and outputs (Pulumi's own component provider, in process, no CLI).
// The snapshot makes every change to that surface show in review; a type the inference refuses
// (a union, a function) fails here instead of on a consumer's machine.
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/forwarder/forwarder-image";
import * as packageExports from "../../infra/sekoia-flow-logs";

describe("the SekoiaFlowLogs package schema", () => {
  it("exports exactly one component from the package's entry point", () => {
    expect(getPulumiComponents(packageExports).map((c) => c.name)).toEqual(["SekoiaFlowLogs"]);
  });

  it("matches the reviewed snapshot", async () => {
    const provider = new ComponentProvider({ components: getPulumiComponents(packageExports), dirname: REPO_ROOT, name: "sekoia-flowlogs" });
    const schema = JSON.parse(await provider.getSchema()) as {
      resources: Record<string, { inputProperties: Record<string, unknown>; requiredInputs?: string[] }>;
    };
    const component = schema.resources["sekoia-flowlogs:index:SekoiaFlowLogs"];
    // sasExpiry is optional since private mode mints no SAS: the config rules require it in public mode.
    expect(component.requiredInputs?.sort()).toEqual(["targets"]);
    // Secrets may be outputs (not plain) so a consumer can pass `config.requireSecret(...)`.
    for (const key of ["sekoiaNsgIntakeKey", "sekoiaVnetIntakeKey", "sekoiaApiKey", "forwarderImageRegistryPassword"]) {
      expect(component.inputProperties[key], key).not.toHaveProperty("plain");
    }
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot("__snapshots__/component-schema.json");
  });
});
