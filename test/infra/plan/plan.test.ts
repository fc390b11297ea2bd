// infra/plan.ts (`npm run plan`): the dev stack's plan, kept as a reviewed snapshot; secrets masked.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../../infra/forwarder/forwarder-image";
import { localVnetLister } from "../../../infra/plan/local-vnet-lister";
import { renderPlan, type ProgramRun } from "../../../infra/plan/plan-render";
import { parsePlanArgs, USAGE } from "../../../infra/plan/plan-args";
import { loadStackConfig, MissingStackFileError } from "../../../infra/plan/stack-file";
import { ArmServer } from "../../helpers/arm-server";
import { callsOf, defaultConfig, ids, runStack, SUBSCRIPTION } from "../harness";

/** The only values that move without a change to the program or the dev stack. */
function normalize(plan: string): string {
  return plan.replace(/src-[0-9a-f]{16}/g, "src-<forwarder-source-hash>").replace(/sha256:[0-9a-f]{64}/g, "sha256:<digest>");
}

describe("the dev stack plan", () => {
  let plan: string;
  let run: ProgramRun;
  const loaded = loadStackConfig("dev", REPO_ROOT);

  beforeAll(async () => {
    vi.resetModules();
    const { renderPlan, runProgram } = await import("../../../infra/plan/plan-render.js");
    run = await runProgram({ ...loaded, stack: "dev", preview: true, now: new Date("2026-06-01T00:00:00Z") });
    plan = renderPlan("dev", run);
  });

  it("matches the reviewed snapshot", async () => {
    await expect(normalize(plan)).toMatchFileSnapshot("../__snapshots__/dev-plan.txt");
  });

  it("loads Pulumi.dev.yaml with Pulumi.yaml defaults, its secure values replaced by fake secrets", () => {
    expect(loaded.secretKeys).toEqual(["sekoia-flowlogs:sekoiaApiKey"]);
    expect(loaded.config["sekoia-flowlogs:sekoiaApiKey"]).toBe("FAKE-SECRET-sekoiaApiKey");
    expect(loaded.config["sekoia-flowlogs:networkWatcher"]).toBe("existing");
    expect(JSON.parse(loaded.config["sekoia-flowlogs:targets"])).toHaveLength(3);
  });

  it("shows no secret in clear", () => {
    expect(run.knownSecrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of run.knownSecrets) expect(plan).not.toContain(secret);
    expect(plan).toContain('configuration.secrets[0].value: "[secret]"');
    expect(plan).toContain('sekoiaSasTokens: "[secret]"');
    expect(plan).not.toContain("FAKE-INTAKE-KEY");
  });

  it("covers the example: a VNet in westeurope, a subnet in northeurope, an adopted NSG flow log", () => {
    expect(plan).toMatch(/flowLogName: "nsg-legacy-app-flowlog"/);
    expect(plan).toMatch(/= azure-native:network:NetworkWatcher watcher-northeurope-adopted/);
    expect(plan).toMatch(/Warnings \(1\):\n {2}targets\[2\] targets the NSG nsg-legacy-app/);
  });

  it("creates the two Sekoia intakes through the API, their keys only as Container App secrets", () => {
    expect(plan).toMatch(/\+ pulumi-nodejs:dynamic\/sekoia:Intake sekoia-nsg\n( {6}.*\n)* {6}formatUuid: "340e3bc7-2b76-48e4-9833-e971451b2979"/);
    expect(plan).toMatch(/\+ pulumi-nodejs:dynamic\/sekoia:Intake sekoia-vnet\n( {6}.*\n)* {6}formatUuid: "99a97295-dad0-4deb-af50-521c76cad45d"/);
    expect(plan).toContain('__provider: "[serialized dynamic provider]"');
    expect(plan).toContain('apiKey: "[secret]"');
    expect(plan).toMatch(/sekoiaIntakes\[1\]\.name: "azure-flowlogs-dev-vnet"/);
  });
});

describe("what only Azure would show, in the plan", () => {
  it("shows the explicit provider, the serialized flow logs and the flow-logs-stopped alert", async () => {
    vi.resetModules();
    const { renderPlan, runProgram } = await import("../../../infra/plan/plan-render.js");
    const plan = renderPlan(
      "dev",
      await runProgram({ ...loadStackConfig("dev", REPO_ROOT), stack: "dev", preview: true, now: new Date("2026-06-01T00:00:00Z") }),
    );
    expect(plan).toMatch(/\+ pulumi:providers:azure-native azure\n(.*\n)*? {6}subscriptionId: "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14"/);
    expect(plan).toMatch(
      /\+ azure-native:network:FlowLog flowlogs-westeurope-nsg-[0-9a-f]{8}\n {6}\(provider: azure\)\n {6}\(deleteBeforeReplace[^\n]*\n {6}\(retainOnDelete[^\n]*\n {6}\(after: flowlogs-westeurope-vnet-[0-9a-f]{8}\)/,
    );
    expect(plan).toContain("+ azure-native:monitor:ScheduledQueryRule alerts-flow-logs-stopped");
  });
});

describe("npm run plan", () => {
  it("prints the plan of a stack, and names the key of an invalid one", () => {
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const out = execFileSync(tsx, ["infra/plan/plan.ts", "--stack", "dev", "--now", "2026-06-01T00:00:00Z"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(out).toMatch(/^Plan of stack "dev"/);
    expect(out).toContain("Resources (");
    let failure = "";
    try {
      execFileSync(tsx, ["infra/plan/plan.ts", "--now", "2030-01-01T00:00:00Z"], { cwd: REPO_ROOT, encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      failure = String((error as { stderr: string }).stderr);
    }
    expect(failure).toMatch(/sasExpiry: found "2027-11-01T00:00:00Z", which is not after now/);
  });
});

describe("npm run plan's command line", () => {
  const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const plan = (...args: string[]) => {
    const { status, stdout, stderr } = spawnSync(tsx, ["infra/plan/plan.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    return { status, stdout, stderr };
  };

  it("accepts --stack and --now, as two words or with =", () => {
    expect(parsePlanArgs([])).toEqual({ kind: "plan", stack: "dev" });
    expect(parsePlanArgs(["--stack", "prod", "--now", "2026-06-01T00:00:00Z"])).toEqual({
      kind: "plan",
      stack: "prod",
      now: new Date("2026-06-01T00:00:00Z"),
    });
    expect(parsePlanArgs(["--stack=prod"])).toEqual({ kind: "plan", stack: "prod" });
  });

  it.each([
    [["--stak", "prod"], "unknown option --stak (did you mean --stack?)"],
    [["prod"], 'unexpected argument "prod" (to plan the stack prod: npm run plan -- --stack prod)'],
    [["--stack"], "--stack needs a value"],
    [["--stack", "--now", "2026-06-01T00:00:00Z"], "--stack needs a value"],
    [["--stack", "a", "--stack", "b"], "--stack is given twice"],
    [["--now", "yesterday"], '--now: found "yesterday", expected an ISO-8601 instant such as 2026-06-01T00:00:00Z'],
    [["--stack", "../secrets"], '--stack: found "../secrets", expected a stack name'],
    [["--verbose"], "unknown option --verbose"],
  ])("refuses %j: %s", (args, error) => {
    const command = parsePlanArgs(args);
    expect(command.kind).toBe("usage");
    expect((command as { error: string }).error).toContain(error);
  });

  it("prints its usage with --help and exits 0", () => {
    expect(parsePlanArgs(["--stack", "prod", "-h"])).toEqual({ kind: "help" });
    const { status, stdout } = plan("--help");
    expect(status).toBe(0);
    expect(stdout).toBe(USAGE);
    expect(stdout).toMatch(/--stack NAME[\s\S]*--now ISO-8601[\s\S]*Exit status/);
  });

  it("exits 2 with the usage on an unknown option or a stray argument, planning nothing", () => {
    for (const args of [["--stak", "prod"], ["prod"]]) {
      const { status, stdout, stderr } = plan(...args);
      expect(status, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^npm run plan: (unknown option --stak|unexpected argument "prod")/);
      expect(stderr).toContain("Usage: npm run plan -- [--stack NAME] [--now ISO-8601]");
    }
  });

  it("says how to create a missing stack file, instead of a raw ENOENT, and exits 1", () => {
    const { status, stdout, stderr } = plan("--stack", "prod");
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).not.toContain("ENOENT");
    expect(stderr).toContain("Pulumi.prod.yaml: no such stack file");
    const stackFiles = readdirSync(REPO_ROOT)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(stackFiles).toContain("dev");
    expect(stderr).toContain(`(stack files here: ${stackFiles.join(", ")})`);
    expect(stderr).toContain("pulumi stack init prod");
    expect(stderr).toContain("cp Pulumi.dev.yaml Pulumi.prod.yaml");
  });

  it("loadStackConfig throws that error for a stack without a file", () => {
    const root = mkdtempSync(path.join(tmpdir(), "plan-"));
    writeFileSync(path.join(root, "Pulumi.yaml"), "name: sekoia-flowlogs\n");
    expect(() => loadStackConfig("staging", root)).toThrow(MissingStackFileError);
    expect(() => loadStackConfig("staging", root)).toThrow(/Pulumi\.staging\.yaml: no such stack file.*\n.*pulumi stack init staging/);
  });
});

describe("npm run plan with scope entries", () => {
  const spoke = "11111111-1111-4111-8111-111111111111";
  const vnet = (name: string) => `/subscriptions/${spoke}/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/${name}`;
  let arm: ArmServer;
  beforeAll(async () => {
    arm = await ArmServer.start({
      token: "local-credential-token",
      vnets: [
        { id: vnet("vnet-a"), location: "westeurope" },
        { id: vnet("vnet-b"), location: "westeurope" },
      ],
    });
  });
  afterAll(async () => {
    await arm?.stop();
  });

  const config = () => ({
    ...defaultConfig(),
    "azure-native:subscriptionId": SUBSCRIPTION,
    armEndpoint: arm.url,
    sekoiaNsgIntakeKey: undefined,
    targets: [{ id: ids.vnet("vnet-weu"), location: "westeurope" }, { scope: `/subscriptions/${spoke}/resourceGroups/rg-app` }],
  });

  it("shows what a selection resolved to, listed read-only with the local credential", async () => {
    const run = await runStack({
      config: config(),
      preview: true,
      vnetLister: (endpoint) => localVnetLister(endpoint, () => Promise.resolve("local-credential-token")),
    });
    const plan = renderPlan("test", run);
    expect(plan).toContain(
      `Target selections (1):\n  targets[1]: scope /subscriptions/${spoke}/resourceGroups/rg-app: 2 VNet(s)\n      ${vnet("vnet-a")}\n      ${vnet("vnet-b")}\n`,
    );
    expect(plan).toMatch(new RegExp(`\\+ azure-native:network:FlowLog flowlogs-westeurope-${spoke}-vnet-[0-9a-f]{8}\\n {6}\\(provider: azure-${spoke}\\)`));
    // No Pulumi engine in npm run plan: the token came from the local credential, not the invoke.
    expect(callsOf(run, "azure-native:authorization:getClientToken")).toEqual([]);
  });

  it("without credentials, shows the entry unresolved and why, and plans the rest", async () => {
    const before = arm.requests.length;
    const noCredential = () =>
      Promise.reject(new Error("DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: ..."));
    const run = await runStack({ config: config(), preview: true, vnetLister: (endpoint) => localVnetLister(endpoint, noCredential) });
    const plan = renderPlan("test", run);
    expect(plan).toContain(
      `  targets[1]: scope /subscriptions/${spoke}/resourceGroups/rg-app: unresolved, no Azure credentials (DefaultAzureCredential failed to retrieve a token from the included credentials.); after \`az login\` npm run plan lists what it selects\n`,
    );
    expect(plan).toContain("+ azure-native:network:FlowLog flowlogs-westeurope-vnet-");
    expect(plan).not.toContain(`FlowLog flowlogs-westeurope-${spoke}`);
    expect(arm.requests.length).toBe(before);
  });
});
