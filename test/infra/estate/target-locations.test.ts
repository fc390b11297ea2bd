// infra/estate/target-locations.ts: targets given by id checked against the region Azure has them
// in, at preview and up, before anything is registered. A definite mismatch is an error naming the
// entry and the real region; what cannot be read (404, 403, no answer) is a warning; offline, nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../infra/config/stack-config";
import { ArmTargetLocator, checkTargetRegions, type TargetLocation, type TargetLocator } from "../../../infra/estate/target-locations";
import { localTargetLocator } from "../../../infra/plan/local-vnet-lister";
import type { Recorder } from "../../../infra/plan/mocks";
import { ArmServer } from "../../helpers/arm-server";
import { defaultConfig, ids, NOW, runStack } from "../harness";

const TOKEN = "deployer-token";
const noWait = { attempts: 2, sleep: () => Promise.resolve() };

/** The parsed targets of a configuration (as the component has them). */
const targetsOf = (targets: unknown[]) =>
  parseStackConfig(Object.fromEntries(Object.entries({ ...defaultConfig(), targets }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])), NOW)
    .config.targets;

/** Answers from a table, counting what it was asked. */
function fakeLocator(answers: Record<string, TargetLocation>): TargetLocator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    locate: (id) => {
      asked.push(id);
      return Promise.resolve(answers[id] ?? { offline: true });
    },
  };
}

describe("ArmTargetLocator", () => {
  let arm: ArmServer;
  beforeAll(async () => {
    arm = await ArmServer.start({
      token: TOKEN,
      vnets: [{ id: ids.vnet("vnet-weu"), location: "westeurope" }],
      resources: [{ id: ids.nsg("nsg-neu"), location: "North Europe" }],
      forbidden: [ids.nic("nic-secret").toLowerCase()],
    });
  });
  afterAll(async () => {
    await arm?.stop();
  });

  it("reads a resource's region from ARM (GET <id>?api-version), normalized", async () => {
    const locator = new ArmTargetLocator(arm.url, () => Promise.resolve(TOKEN), noWait);
    expect(await locator.locate(ids.vnet("vnet-weu"))).toEqual({ location: "westeurope" });
    expect(await locator.locate(ids.nsg("nsg-neu"))).toEqual({ location: "northeurope" });
    expect(arm.requests).toContain(`${ids.vnet("vnet-weu")}?api-version=2024-05-01`);
  });

  it("says why it could not: 404, 403, a refused token, no token", async () => {
    const locator = new ArmTargetLocator(arm.url, () => Promise.resolve(TOKEN), noWait);
    expect(await locator.locate(ids.vnet("vnet-gone"))).toEqual({ unchecked: "404 ResourceNotFound: The Resource 'vnet-gone' was not found.", status: 404 });
    expect(await locator.locate(ids.nic("nic-secret"))).toMatchObject({ status: 403, unchecked: expect.stringMatching(/^403 AuthorizationFailed/) });
    expect(await new ArmTargetLocator(arm.url, () => Promise.resolve("stale"), noWait).locate(ids.vnet("vnet-weu"))).toMatchObject({ status: 401 });
    expect(await new ArmTargetLocator(arm.url, () => Promise.reject(new Error("no login")), noWait).locate(ids.vnet("vnet-weu"))).toEqual({
      unchecked: "no Azure token (no login)",
    });
  });
});

describe("checkTargetRegions", () => {
  const subnet = { id: ids.subnet("vnet-weu", "snet-app"), location: "northeurope" };

  it("refuses a target Azure has in another region, naming the entry and the real region; a subnet by its VNet's", async () => {
    const targets = targetsOf([{ id: ids.nsg("nsg-a"), location: "westeurope" }, subnet]);
    const locator = fakeLocator({ [ids.nsg("nsg-a")]: { location: "westeurope" }, [ids.vnet("vnet-weu")]: { location: "westeurope" } });
    const { problems, warnings } = await checkTargetRegions(targets, locator);
    expect(problems).toEqual([
      `targets[1].location: found "northeurope", expected "westeurope", the region Azure reports for the subnet's VNet ${ids.vnet("vnet-weu")}; ` +
        "set targets[1].location to westeurope (a flow log is made in its target's region, and Azure refuses it elsewhere)",
    ]);
    expect(warnings).toEqual([]);
  });

  it("reads each VNet once, and not at all when a scope listed it", async () => {
    const targets = targetsOf([
      { id: ids.subnet("vnet-weu", "a"), location: "westeurope" },
      { id: ids.subnet("VNET-WEU", "b"), location: "westeurope" },
      { id: ids.vnet("vnet-listed"), location: "westeurope" },
    ]);
    const locator = fakeLocator({ [ids.vnet("vnet-weu")]: { location: "westeurope" } });
    const listed = new Map([[ids.vnet("vnet-listed").toLowerCase(), "northeurope"]]);
    const { problems } = await checkTargetRegions(targets, locator, listed);
    expect(locator.asked).toEqual([ids.vnet("vnet-weu")]);
    expect(problems).toEqual([expect.stringMatching(/^targets\[2\]\.location: found "westeurope", expected "northeurope"/)]);
  });

  it("only warns where Azure could not be read: no such resource, not allowed, no answer; offline, nothing", async () => {
    const targets = targetsOf([
      { id: ids.vnet("vnet-gone"), location: "westeurope" },
      { id: ids.nic("nic-secret"), location: "westeurope" },
      { id: ids.nsg("nsg-far"), location: "westeurope" },
      { id: ids.vnet("vnet-offline"), location: "westeurope" },
    ]);
    const locator = fakeLocator({
      [ids.vnet("vnet-gone")]: { unchecked: "404 ResourceNotFound: not found", status: 404 },
      [ids.nic("nic-secret")]: { unchecked: "403 AuthorizationFailed: no", status: 403 },
      [ids.nsg("nsg-far")]: { unchecked: "listing the resource failed (503 ServerBusy) after 5 attempts" },
    });
    const { problems, warnings } = await checkTargetRegions(targets, locator);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      `targets[0]: Azure has no ${ids.vnet("vnet-gone")} (404 ResourceNotFound: not found): a flow log cannot be turned on for a resource that does not exist, so pulumi up fails on it unless it is created first; check the id`,
      `targets[1]: the region of ${ids.nic("nic-secret")} could not be checked against Azure (403 AuthorizationFailed: no; the deploying identity needs Reader on it for the check); if westeurope is not its region, pulumi up fails when it creates the flow log`,
      expect.stringMatching(
        /^targets\[2\]: the region of .*nsg-far could not be checked against Azure \(listing the resource failed \(503 ServerBusy\) after 5 attempts\); if westeurope/,
      ),
    ]);
  });
});

describe("the stack program", () => {
  it("stops before registering anything when Azure has a target in another region than its entry", async () => {
    const recorder: Recorder = { resources: [], calls: [] };
    // defaultConfig: targets[1] is a subnet of vnet-neu, given in northeurope.
    const run = runStack({ config: defaultConfig(), recorder, existingLocations: { [ids.vnet("vnet-neu")]: "westeurope" } });
    await expect(run).rejects.toThrow(
      /targets\[1\]\.location: found "northeurope", expected "westeurope", the region Azure reports for the subnet's VNet .*vnet-neu/,
    );
    expect(recorder.resources.filter((r) => r.type !== "pulumi:providers:azure-native" && r.type !== "sekoia-flowlogs:index:SekoiaFlowLogs")).toEqual([]);
  });

  it("runs when Azure agrees, and when nothing can be read offline", async () => {
    const agreeing = { [ids.vnet("vnet-weu")]: "westeurope", [ids.vnet("vnet-neu")]: "northeurope", [ids.nsg("nsg-weu")]: "westeurope" };
    expect((await runStack({ config: defaultConfig(), existingLocations: agreeing })).warnings.join("\n")).not.toMatch(/could not be checked|Azure has no/);
    expect((await runStack({ config: defaultConfig() })).resources.length).toBeGreaterThan(0);
  });

  describe("with npm run plan's local credential", () => {
    let arm: ArmServer;
    beforeAll(async () => {
      arm = await ArmServer.start({ token: "local", vnets: [{ id: ids.vnet("vnet-weu"), location: "westeurope" }], resources: [] });
    });
    afterAll(async () => {
      await arm?.stop();
    });

    it("reads the regions from ARM and warns about what Azure does not have", async () => {
      const run = await runStack({
        config: { ...defaultConfig(), armEndpoint: arm.url },
        targetLocator: (endpoint) => localTargetLocator(endpoint, () => Promise.resolve("local")),
      });
      expect(arm.requests.filter((r) => r.includes("/virtualNetworks/vnet-weu?"))).toHaveLength(1);
      expect(run.warnings.filter((w) => w.includes("Azure has no"))).toEqual([
        expect.stringMatching(/^targets\[1\]: Azure has no .*\/virtualNetworks\/vnet-neu \(404 ResourceNotFound/),
        expect.stringMatching(/^targets\[2\]: Azure has no .*\/networkSecurityGroups\/nsg-weu \(404 ResourceNotFound/),
      ]);
    });

    it("checks nothing without a credential", async () => {
      const before = arm.requests.length;
      const run = await runStack({
        config: { ...defaultConfig(), armEndpoint: arm.url },
        targetLocator: (endpoint) => localTargetLocator(endpoint, () => Promise.reject(new Error("no az login"))),
      });
      expect(arm.requests.length).toBe(before);
      expect(run.warnings.join("\n")).not.toMatch(/could not be checked|Azure has no/);
    });
  });
});
