// examples/typescript: a program of a platform team's own that uses the component as a consumer
// would (`import { SekoiaFlowLogs } from "sekoia-flowlogs"`), run under Pulumi's mocks with the
// config its header tells them to set. It must deploy one VNet's flow log and forwarder, and keep the
// SAS URLs secret.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { unwrapSecrets } from "../../infra/plan/mocks";
import type { ProgramRun } from "../../infra/plan/plan-render";

const VNET = "/subscriptions/6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-app";
const INTAKE_KEY = "example-vnet-intake-key-0123456789";

describe("examples/typescript", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    vi.resetModules();
    const { runProgram } = await import("../../infra/plan/plan-render.js");
    const project = "sekoia-flowlogs-example";
    run = await runProgram({
      config: {
        "azure-native:location": "westeurope",
        [`${project}:vnetId`]: VNET,
        [`${project}:sasExpiry`]: "2027-12-31T00:00:00Z",
        [`${project}:sekoiaVnetIntakeKey`]: INTAKE_KEY,
      },
      secretKeys: [`${project}:sekoiaVnetIntakeKey`],
      stack: "dev",
      project,
      preview: false,
      now: new Date("2026-06-01T00:00:00Z"),
      program: async () => ({ ...(await import("../../examples/typescript/index.js")) }),
    });
  });

  it("turns on one version-2 flow log for the VNet, under the component", () => {
    const logs = run.resources.filter((r) => r.type === "azure-native:network:FlowLog");
    expect(logs.map((l) => [l.inputs.targetResourceId, (l.inputs.format as { version: number }).version])).toEqual([[VNET, 2]]);
    const component = run.resources.find((r) => r.type === "sekoia-flowlogs:index:SekoiaFlowLogs");
    expect(component?.name).toBe("sekoia-flowlogs");
  });

  it("deploys the forwarder with the intake key as a Container App secret only", () => {
    const app = run.resources.find((r) => r.type === "azure-native:app:ContainerApp");
    expect(app).toBeDefined();
    expect(JSON.stringify(unwrapSecrets(app!.inputs))).toContain(INTAKE_KEY);
    // ... but only inside a secret: masked, as anyone without the secret sees the inputs, it is gone.
    expect(JSON.stringify(unwrapSecrets(app!.inputs, () => "[secret]"))).not.toContain(INTAKE_KEY);
  });

  it("exports the outputs it names, the SAS URLs as a secret", () => {
    expect(run.outputs.forwarderAppName).toEqual(expect.any(String));
    expect(run.outputs.flowLogIds).toEqual({
      "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14": {
        [VNET]: expect.stringMatching(/\/resourceGroups\/NetworkWatcherRG\/providers\/Microsoft\.network\/FlowLog\/sekoia-vnet-vnet-app-/),
      },
    });
    expect(run.outputs.sekoiaSasUrls).toBe("[secret]");
  });
});
