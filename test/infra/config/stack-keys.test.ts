// infra/config/stack-keys.ts and the stack shell: what only a stack file gets wrong. A key of the
// project's namespace that the program does not read is an error naming the nearest key it reads, and
// a missing required key points at the misspelled one set beside it; a secret key set without
// --secret is an error naming the command that sets it right; all with the component's problems.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { editDistance, nearest } from "../../../infra/config/nearest";
import { plainSecretProblems, unknownKeyProblems, withMisspelledKeyHints } from "../../../infra/config/stack-keys";
import { defaultConfig, NSG_KEY, runStack, VNET_KEY } from "../harness";

/** The program's error for this configuration (it must be refused). */
async function refused(config: Record<string, unknown>, plainKeys?: string[]): Promise<string> {
  const recorder = { resources: [], calls: [] };
  try {
    await runStack({ config, recorder, plainKeys });
  } catch (error) {
    expect(recorder.resources, "nothing registered").toEqual([]);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("the nearest known name", () => {
  it("counts insertions, deletions, substitutions and swapped neighbours, ignoring case", () => {
    expect(editDistance("retentionDay", "retentionDays")).toBe(1);
    expect(editDistance("alertEmial", "alertEmail")).toBe(1);
    expect(editDistance("sekoiaNSGIntakeKey", "sekoiaNsgIntakeKey")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("is found only when near enough to be the same word mistyped", () => {
    const keys = ["targets", "retentionDays", "alertEmail", "sekoiaNsgIntakeKey", "sekoiaVnetIntakeKey"];
    expect(nearest("retentionDay", keys)).toBe("retentionDays");
    expect(nearest("target", keys)).toBe("targets");
    expect(nearest("alertMail", keys)).toBe("alertEmail");
    expect(nearest("sekoiaVNetIntakeKey", keys)).toBe("sekoiaVnetIntakeKey");
    expect(nearest("colour", keys)).toBeUndefined();
    expect(nearest("stak", ["stack", "now", "help"])).toBe("stack");
  });
});

describe("unknown keys of the project's namespace", () => {
  it("are each a problem naming the key, the nearest key the program reads and how to move the value", () => {
    const problems = unknownKeyProblems({ targets: "[]", retentionDay: "90", alertEmial: "soc@example.com", colour: "blue", location: "westeurope" });
    expect(problems).toEqual([
      expect.stringMatching(
        /^sekoia-flowlogs:alertEmial: found a key this project does not read .*expected a key of the project: did you mean `sekoia-flowlogs:alertEmail`\? Move the value: `pulumi config rm alertEmial`, then `pulumi config set alertEmail <value>`/,
      ),
      expect.stringMatching(/^sekoia-flowlogs:colour: found a key this project does not read .*remove it with `pulumi config rm colour`$/),
      expect.stringMatching(/^sekoia-flowlogs:location: .*did you mean `azure-native:location`\?.*`pulumi config set azure-native:location <value>`/),
      expect.stringMatching(/^sekoia-flowlogs:retentionDay: .*did you mean `sekoia-flowlogs:retentionDays`\?/),
    ]);
    // Values are never repeated: an unknown key may hold a secret set without --secret.
    expect(problems.join("\n")).not.toMatch(/soc@example\.com|westeurope|blue|"90"/);
  });

  it("are none for the keys the program reads, project and provider", () => {
    expect(unknownKeyProblems({ targets: "[]", retentionDays: "90", "azure-native:location": "westeurope", "azure-native:clientId": "x" })).toEqual([]);
  });

  it("complete a missing key's problem with the misspelled key set in its place", () => {
    const raw = { target: "[]", sasExpiry: "2027-01-01T00:00:00Z" };
    expect(withMisspelledKeyHints(["targets: found nothing, expected a non-empty list", 'sasExpiry: found "x"'], raw)).toEqual([
      "targets: found nothing, expected a non-empty list (did you mean `sekoia-flowlogs:target`, which is set?)",
      'sasExpiry: found "x"',
    ]);
  });
});

describe("the stack program with a key it does not read", () => {
  it("refuses a misspelled optional key instead of ignoring it, naming the key and the one meant", async () => {
    const message = await refused({ ...defaultConfig(), retentionDay: "90" });
    expect(message).toMatch(/^Invalid stack configuration \(1 problem\); nothing was registered:/);
    expect(message).toContain("  - sekoia-flowlogs:retentionDay: found a key this project does not read");
    expect(message).toContain("did you mean `sekoia-flowlogs:retentionDays`?");
  });

  it("points a missing required key at the misspelled one, and reports the component's problems with it", async () => {
    const { targets, ...rest } = defaultConfig();
    const message = await refused({ ...rest, target: targets, alertEmail: "nobody" });
    expect(message).toMatch(/^Invalid stack configuration \(3 problems\)/);
    expect(message).toContain("  - sekoia-flowlogs:target: found a key this project does not read");
    expect(message).toMatch(/ {2}- targets: found nothing, expected .* \(did you mean `sekoia-flowlogs:target`, which is set\?\)\n/);
    expect(message).toContain('  - alertEmail: found "nobody"');
  });

  it("runs as before with only known keys", async () => {
    const run = await runStack({ config: { ...defaultConfig(), retentionDays: "90" } });
    expect(run.resources.length).toBeGreaterThan(0);
  });
});

describe("secret keys set without --secret", () => {
  it("are each a problem naming the command that sets it as a secret, never the value", () => {
    const raw = { sekoiaNsgIntakeKey: NSG_KEY, sekoiaVnetIntakeKey: VNET_KEY, sekoiaApiKey: "", forwarderImageRegistryPassword: "hunter2" };
    const secure = new Set(["sekoia-flowlogs:sekoiaVnetIntakeKey"]);
    const problems = plainSecretProblems(raw, "prod", (key) => secure.has(key));
    expect(problems).toEqual([
      "sekoiaNsgIntakeKey: found a plain value (set without --secret), expected a secret: npm run plan would print it and Pulumi.prod.yaml keeps it in clear text. " +
        "Set it again with `pulumi config set --secret sekoiaNsgIntakeKey <value>`, and rotate it if that file was committed or shared",
      expect.stringMatching(/^forwarderImageRegistryPassword: found a plain value .*`pulumi config set --secret forwarderImageRegistryPassword <value>`/),
    ]);
    expect(problems.join("\n")).not.toMatch(new RegExp(`${NSG_KEY}|hunter2`));
  });

  it("are told by the engine's list of secret keys, which Pulumi's SDK still reads", () => {
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    expect(typeof isConfigSecret).toBe("function");
    pulumi.runtime.setAllConfig({ "sekoia-flowlogs:a": "1", "sekoia-flowlogs:b": "2" }, ["sekoia-flowlogs:a"]);
    expect([isConfigSecret!("sekoia-flowlogs:a"), isConfigSecret!("sekoia-flowlogs:b")]).toEqual([true, false]);
  });

  it("stop the stack program before anything is registered, the key never in the message", async () => {
    const message = await refused(defaultConfig(), ["sekoiaNsgIntakeKey"]);
    expect(message).toMatch(/^Invalid stack configuration \(1 problem\)/);
    expect(message).toContain("  - sekoiaNsgIntakeKey: found a plain value (set without --secret)");
    expect(message).toContain("`pulumi config set --secret sekoiaNsgIntakeKey <value>`");
    expect(message).toContain("Pulumi.test.yaml keeps it in clear text");
    expect(message).not.toContain(NSG_KEY);
  });
});
