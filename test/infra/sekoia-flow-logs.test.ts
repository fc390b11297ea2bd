// infra/sekoia-flow-logs.ts used directly, as a program of a platform team's own would: its args are
// validated by the stack config's rules before the component registers, secrets may be outputs and
// stay secret, and a second instance in one stack is refused with a message saying why.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { Recorder } from "../../infra/plan/mocks";
import type { SekoiaFlowLogsArgs } from "../../infra/sekoia-flow-logs";
import { ids, masked, plain, runComponents } from "./harness";

const VNET_KEY = "component-vnet-intake-key-42";

function args(extra: Partial<SekoiaFlowLogsArgs> = {}): SekoiaFlowLogsArgs {
  return {
    location: "westeurope",
    targets: [{ id: ids.vnet("vnet-weu"), location: "westeurope" }],
    sasExpiry: "2027-01-01T00:00:00Z",
    forwarderImage: `myregistry.azurecr.io/forwarder@sha256:${"a".repeat(64)}`,
    ...extra,
  };
}

describe("the SekoiaFlowLogs component", () => {
  it("refuses invalid args before it registers, naming each arg as the stack config key of the same name", async () => {
    const recorder: Recorder = { resources: [], calls: [] };
    const run = runComponents(
      (C) => ({ app: new C("flowlogs", args({ retentionDays: 0, sekoiaVnetIntakeKey: pulumi.secret(VNET_KEY), alertEmail: "nobody" })).forwarderAppName }),
      { recorder },
    );
    await expect(run).rejects.toThrow(/retentionDays: found "0", expected a whole number of days from 1 to 365[\s\S]*alertEmail: found "nobody"/);
    expect(recorder.resources).toEqual([]);
  });

  it("names a missing intake key with the way to set it", async () => {
    await expect(runComponents((C) => ({ app: new C("flowlogs", args()).forwarderAppName }))).rejects.toThrow(/sekoiaVnetIntakeKey: found nothing/);
  });

  it.each([
    ["an output", () => pulumi.secret(VNET_KEY)],
    ["a plain string", () => VNET_KEY],
  ])("takes a secret as %s, and keeps it secret in its inputs and the app's", async (_, key) => {
    const run = await runComponents((C) => ({ app: new C("flowlogs", args({ sekoiaVnetIntakeKey: key() })).forwarderAppName }));
    const app = run.resources.find((r) => r.type === "azure-native:app:ContainerApp")!;
    expect(JSON.stringify(plain(app.inputs))).toContain(VNET_KEY);
    expect(JSON.stringify(masked(app.inputs))).not.toContain(VNET_KEY);
    expect(run.outputs.app).toEqual(expect.any(String));
    // The component's own recorded inputs hold it only as a secret.
    const component = run.resources.find((r) => r.type === "sekoia-flowlogs:index:SekoiaFlowLogs")!;
    expect(plain(component.inputs).sekoiaVnetIntakeKey).toBe(VNET_KEY);
    expect(JSON.stringify(masked(component.inputs))).not.toContain(VNET_KEY);
  });

  it("refuses a second instance in the same stack, saying why", async () => {
    const run = runComponents((C) => {
      new C("first", args({ sekoiaVnetIntakeKey: pulumi.secret(VNET_KEY) }));
      return { second: new C("second", args({ sekoiaVnetIntakeKey: pulumi.secret(VNET_KEY) })).forwarderAppName };
    });
    await expect(run).rejects.toThrow('SekoiaFlowLogs "second": this stack already has one; its resources\' names are fixed, so a stack holds one instance.');
  });
});
