// `npm run plan -- --stack corp`: the private-mode example stack (Pulumi.corp.yaml, an Azure Landing
// Zone Corp subscription) planned offline and kept as a reviewed snapshot: the private endpoints, the
// internal environment, no SAS, and, without Azure credentials, a warning that the subnets were not
// checked. With credentials the subnets are read (here from a stand-in) and the warning goes.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../../infra/forwarder/forwarder-image";
import { localNetworkReader } from "../../../infra/plan/local-vnet-lister";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { loadStackConfig } from "../../../infra/plan/stack-file";
import { networkOf, preparedVnet } from "../private-scenario";

const NOW = new Date("2026-06-01T00:00:00Z");
const loaded = loadStackConfig("corp", REPO_ROOT);
const network = JSON.parse(loaded.config["sekoia-flowlogs:privateNetworking"]) as { containerAppsSubnetId: string; privateEndpointSubnetId: string };
const vnetId = network.containerAppsSubnetId.split("/subnets/")[0];
const noCredential = () => Promise.reject(new Error("DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted: ..."));

async function planOf(networkReader: Parameters<typeof import("../../../infra/plan/plan-render").runProgram>[0]["networkReader"]) {
  vi.resetModules();
  const { renderPlan, runProgram } = await import("../../../infra/plan/plan-render.js");
  const run = await runProgram({ ...loaded, stack: "corp", preview: true, now: NOW, networkReader });
  return { run, plan: renderPlan("corp", run).replace(/sha256:[0-9a-f]{64}/g, "sha256:<digest>") };
}

describe("the corp stack plan (private mode, no Azure credentials)", () => {
  let plan: string;
  let run: ProgramRun;
  beforeAll(async () => {
    ({ plan, run } = await planOf((endpoint) => localNetworkReader(endpoint, noCredential)));
  });

  it("matches the reviewed snapshot", async () => {
    await expect(plan).toMatchFileSnapshot("../__snapshots__/corp-plan.txt");
  });

  it("shows a blob private endpoint per account, in the endpoints' subnet", () => {
    expect(plan).toMatch(/\+ azure-native:network:PrivateEndpoint checkpoints-blob-endpoint\n/);
    expect(plan).toMatch(/\+ azure-native:network:PrivateEndpoint flowlogs-westeurope-blob-endpoint\n/);
    expect(plan.match(new RegExp(`subnet\\.id: "${network.privateEndpointSubnetId}"`, "g"))).toHaveLength(2);
    expect(plan.match(/publicNetworkAccess: "Disabled"/g)).toHaveLength(2);
    expect(plan).not.toContain("PrivateDnsZoneGroup");
  });

  it("shows the environment internal to its subnet", () => {
    expect(plan).toContain(`vnetConfiguration.infrastructureSubnetId: "${network.containerAppsSubnetId}"`);
    expect(plan).toContain("vnetConfiguration.internal: true");
    expect(plan).not.toContain("containerregistry:Registry");
  });

  it("mints no SAS and outputs none", () => {
    expect(plan).not.toContain("listStorageAccountServiceSAS");
    expect(plan).not.toMatch(/sekoiaSas|sasExpiry/);
    expect(plan).toMatch(/privateDnsRecords\.ckpt\w+\.blob\.core\.windows\.net\[0\]: "10\./);
  });

  it("says the subnets were not checked, and how to check them", () => {
    expect(run.warnings).toEqual([
      "privateNetworking: the subnets were not checked against Azure: no Azure credentials (DefaultAzureCredential failed to retrieve a token from the included credentials.); after `az login` npm run plan checks them.",
    ]);
    for (const secret of run.knownSecrets) expect(plan).not.toContain(secret);
  });
});

describe("the corp stack plan with Azure credentials", () => {
  it("checks the subnets and warns of nothing when they are prepared", async () => {
    const { run } = await planOf(
      networkOf({
        ...preparedVnet(vnetId),
        subnets: preparedVnet(vnetId).subnets.map((s, i) => ({ ...s, name: i === 0 ? "snet-sekoia-aca" : "snet-private-endpoints" })),
      }),
    );
    expect(run.warnings).toEqual([]);
  });
});
