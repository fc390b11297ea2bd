// `tags` (infra/config/tags-config.ts): an organisation's tags on every resource the stack creates,
// besides the stack's own, which they may not override; Azure's tag limits checked before anything
// is registered.
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError } from "../../../infra/config/stack-config";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { defaultConfig, NOW, plain, runStack } from "../harness";

/** The resources that carry tags: every Azure resource type that takes them. */
function tagged(run: ProgramRun): Array<{ name: string; type: string; tags: Record<string, string> }> {
  return run.resources
    .filter((r) => r.operation === "register" && r.custom !== false && "tags" in r.inputs && r.type.startsWith("azure-native:"))
    .map((r) => ({ name: r.name, type: r.type, tags: plain(r.inputs.tags) as Record<string, string> }));
}

function problems(tags: unknown): string[] {
  const raw = Object.fromEntries(Object.entries({ ...defaultConfig(), tags }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  try {
    parseStackConfig(raw, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return [...(error as StackConfigError).problems];
  }
  return [];
}

describe("tags", () => {
  it("are added to the stack's own tags on every resource that takes tags", async () => {
    const without = tagged(await runStack({ config: defaultConfig() }));
    const withTags = tagged(await runStack({ config: { ...defaultConfig(), tags: { costCenter: 1234, owner: "secops", "Data Class": "internal" } } }));
    expect(withTags.map((r) => `${r.type} ${r.name}`)).toEqual(without.map((r) => `${r.type} ${r.name}`));
    expect(withTags.length).toBeGreaterThanOrEqual(12);
    for (const r of withTags) {
      expect(r.tags, `${r.type} ${r.name}`).toEqual({
        project: "sekoia-flowlogs",
        stack: "test",
        "managed-by": "pulumi",
        costCenter: "1234",
        owner: "secops",
        "Data Class": "internal",
      });
    }
  });

  it("leave the stack's own tags as they were when not set", async () => {
    for (const r of tagged(await runStack({ config: defaultConfig() })))
      expect(r.tags).toEqual({ project: "sekoia-flowlogs", stack: "test", "managed-by": "pulumi" });
  });

  it("reach every Azure resource type that takes tags: those left without are the ones Azure gives none", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderImage: undefined, alertEmail: "soc@example.com" } });
    const untagged = run.resources.filter(
      (r) => r.operation === "register" && r.custom !== false && r.type.startsWith("azure-native:") && !("tags" in r.inputs),
    );
    expect([...new Set(untagged.map((r) => r.type))].sort()).toEqual([
      "azure-native:authorization:RoleAssignment",
      "azure-native:monitor:DiagnosticSetting",
      "azure-native:storage:BlobContainer",
      "azure-native:storage:ManagementPolicy",
    ]);
  });

  it("reach the resources of event mode too (Event Grid system topics)", async () => {
    const config = { ...defaultConfig(), forwarderScale: { minReplicas: 1, maxReplicas: 2 }, tags: { costCenter: "1234" } };
    const topics = tagged(await runStack({ config })).filter((r) => r.type === "azure-native:eventgrid:SystemTopic");
    expect(topics.length).toBeGreaterThan(0);
    for (const t of topics) expect(t.tags).toMatchObject({ costCenter: "1234", project: "sekoia-flowlogs" });
  });

  it("may not override the stack's own, in any case: refused, naming the tag", () => {
    expect(problems({ Project: "finance", "managed-by": "terraform" })).toEqual([
      expect.stringMatching(
        /^tags\.Project: found a tag the stack sets itself on every resource \(project, stack, managed-by; tag names ignore case\), expected another name/,
      ),
      expect.stringMatching(/^tags\.managed-by: found a tag the stack sets itself/),
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ["a list", ["costCenter"], /^tags: found \["costCenter"\], expected an object of tag names and values.*pulumi config set --path 'tags\.costCenter' 1234/],
    ["text that is not JSON", "costCenter=1234", /^tags: found "costCenter=1234", expected an object/],
    ["a forbidden character in a name", { "cost/center": "1" }, /^tags\["cost\/center"\]: found \/ in the tag name, expected none of < > % & \\ \? \//],
    ["an empty name", { "": "1" }, /^tags\[""\]: found an empty tag name/],
    [
      "a name longer than storage accounts take",
      { ["n".repeat(129)]: "1" },
      /: found a tag name of 129 characters, expected at most 128 \(the limit of storage accounts/,
    ],
    ["a value longer than 256", { owner: "v".repeat(257) }, /^tags\.owner: found a value of 257 characters, expected at most 256/],
    ["a value that is an object", { owner: { team: "secops" } }, /^tags\.owner: found \{"team":"secops"\}, expected the tag's value, a string/],
    [
      "two names that differ by case",
      { Owner: "a", owner: "b" },
      /^tags\.owner: found the same name as tags\.Owner \(Azure tag names ignore case\), expected each tag once/,
    ],
    [
      "more tags than Azure allows with the stack's own",
      Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "x"])),
      /^tags: found 48 tags, expected at most 47: Azure allows 50 per resource and the stack sets 3 of its own/,
    ],
  ])("refuses %s", (_, tags, message) => {
    const found = problems(tags);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it("accept the limits exactly, and numbers or booleans as written (pulumi config set --path stores them so)", () => {
    const tags = {
      ["n".repeat(128)]: "v".repeat(256),
      costCenter: 1234,
      billable: true,
      ...Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`t${i}`, ""])),
    };
    expect(problems(tags)).toEqual([]);
    const raw = Object.fromEntries(Object.entries({ ...defaultConfig(), tags }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    expect(parseStackConfig(raw, NOW).config.tags).toMatchObject({ costCenter: "1234", billable: "true", t0: "" });
  });
});
