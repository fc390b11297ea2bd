// The reference pages in docs/ stay true to the code: each table or list that describes something the
// code defines (stack keys, forwarder variables and metrics, component args and outputs, alerts, Sekoia regions)
// names all of it and nothing else, every `pulumi config set` shown sets a key the program reads, and
// every relative link of the pages leads to a file and heading that exist.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { FORWARDER_VARIABLES, loadConfig } from "../../forwarder/config";
import { ForwarderMetrics } from "../../forwarder/metrics";
import { DEFAULTS, PROVIDER_KEYS } from "../../infra/config/stack-config";
import { anchorOf, codeLines, codeNames, headings, markdownPages, page, relativeLinks, ROOT, section, tableRows } from "./markdown";

const source = (relative: string) => readFileSync(path.join(ROOT, relative), "utf8");
const projectKeys = Object.keys((load(source("Pulumi.yaml")) as { config: Record<string, unknown> }).config);

/** The fields of `interface <name> { ... }` in a TypeScript source, each with whether it is optional. */
function interfaceFields(text: string, name: string): Map<string, boolean> {
  const start = text.indexOf(`export interface ${name} {`);
  expect(start, `interface ${name}`).toBeGreaterThanOrEqual(0);
  const body = text.slice(start, text.indexOf("\n}", start));
  return new Map([...body.matchAll(/^\s+readonly (\w+)(\?)?:/gm)].map((m) => [m[1], m[2] === "?"]));
}

const component = source("infra/sekoia-flow-logs.ts");
const componentOutputs = [...component.matchAll(/^\s+public readonly (\w+):/gm)].map((m) => m[1]);

describe("docs/configuration.md", () => {
  it("documents every stack configuration key declared in Pulumi.yaml", () => {
    const keys = tableRows(section("docs/configuration.md", "stack-config")).map((row) => codeNames(row[0])[0]);
    for (const key of projectKeys) expect(keys, `docs/configuration.md documents stack key ${key}`).toContain(key);
  });

  it("documents every provider key the program reads", () => {
    const documented = tableRows(section("docs/configuration.md", "stack-config")).flatMap((row) => codeNames(row[0]));
    const full = documented.map((name) => (name.includes(":") ? name : `azure-native:${name}`));
    for (const key of PROVIDER_KEYS) expect(full, key).toContain(key);
  });
});

describe("docs/forwarder.md", () => {
  it("documents every forwarder variable the config parser reads, and no other", () => {
    const documented = tableRows(section("docs/forwarder.md", "forwarder-variables")).map((row) => codeNames(row[0])[0]);
    expect(documented.sort()).toEqual(Object.keys(FORWARDER_VARIABLES).sort());
  });

  it("names every metric the forwarder serves on /metrics, and no other", () => {
    const endpoints = page("docs/forwarder.md");
    const metricsLine = endpoints.slice(endpoints.indexOf("- `GET /metrics`"), endpoints.indexOf("\n- Logs:"));
    const documented = new Set(codeNames(metricsLine).map((name) => name.split("{")[0]).filter((name) => name.startsWith("flowlog_")));
    const served = new ForwarderMetrics().registry.getMetricsAsArray().map((metric) => metric.name);
    expect([...documented].sort()).toEqual(served.sort());
  });
});

describe("docs/outputs.md", () => {
  it("documents every output of the component, and no other", () => {
    const documented = tableRows(section("docs/outputs.md", "stack-outputs")).flatMap((row) => codeNames(row[0]));
    expect(componentOutputs.length).toBeGreaterThan(10);
    expect(documented.sort()).toEqual([...componentOutputs].sort());
  });

  it("matches the outputs the stack program exports", () => {
    const shell = source("infra/index.ts");
    for (const name of componentOutputs) expect(shell, name).toContain(`${name}: flowLogs.${name}`);
  });
});

describe("docs/component.md", () => {
  const rows = tableRows(section("docs/component.md", "component-args"));

  it("lists every argument of SekoiaFlowLogsArgs, and no other", () => {
    expect(rows.map((row) => codeNames(row[0])[0]).sort()).toEqual([...interfaceFields(component, "SekoiaFlowLogsArgs").keys()].sort());
  });

  it("pairs each argument with the stack key of the same name (the shared region and subscription with azure-native's)", () => {
    const optional = interfaceFields(component, "SekoiaFlowLogsArgs");
    for (const [arg, key, required] of rows) {
      const [argName, keyName] = [codeNames(arg)[0], codeNames(key)[0]];
      expect([argName, `azure-native:${argName}`], argName).toContain(keyName);
      expect([...projectKeys, ...PROVIDER_KEYS], keyName).toContain(keyName);
      expect(required, argName).toBe(optional.get(argName) ? "no" : "yes");
    }
  });

  it("names every output of the component", () => {
    const outputs = page("docs/component.md").split("## Outputs")[1];
    for (const name of componentOutputs) expect(outputs, name).toContain(`\`${name}\``);
  });
});

describe("docs/alerts.md", () => {
  it("describes every alert rule of the stack by its display name, and no other", () => {
    const rules = [...source("infra/monitoring/alerts.ts").matchAll(/displayName: "([^"]+)"/g)].map((m) => m[1]);
    const described = [...section("docs/alerts.md", "alerts").matchAll(/^- \*\*([^*]+)\*\*/gm)].map((m) => m[1]);
    expect(rules).toHaveLength(3);
    expect(described.sort()).toEqual(rules.sort());
  });
});

describe("what the deployment pages say a change or a destroy does", () => {
  it("say what changing azure-native:location or azure-native:subscriptionId does (test/infra/config-changes.test.ts proves it)", () => {
    const rows = tableRows(section("docs/configuration.md", "stack-config"));
    const row = (key: string) => rows.find((r) => codeNames(r[0]).includes(key))!.join(" ");
    expect(row("azure-native:location")).toMatch(/A change keeps every flow-log account, the checkpoint account and the resource groups/);
    expect(row("azure-native:subscriptionId")).toMatch(/It cannot change once deployed.*fails before any provider is registered/);
  });

  it("tell to re-point or disable the adopted flow logs before destroy: kept, they would write to a deleted account", () => {
    const removing = page("docs/deployment.md").split("## Removing everything")[1];
    expect(removing).toMatch(/Before `destroy`, re-point or disable the adopted flow logs/);
    expect(removing).toContain("az network watcher flow-log update");
  });
});

describe("docs/sekoia.md regions", () => {
  const regions = tableRows(section("docs/sekoia.md", "sekoia-regions")).map(([region, , api, intake, app]) => ({
    region,
    api: codeNames(api)[0],
    intake: codeNames(intake)[0],
    app: codeNames(app)[0],
  }));

  it("gives every region an https API base, intake base and web application, without query or fragment", () => {
    expect(regions.map((r) => r.region)).toEqual(["FRA1", "FRA2", "MCO1", "UAE1", "USA1", "SGP1"]);
    for (const r of regions) {
      for (const url of [r.api, r.intake, r.app]) {
        const parsed = new URL(url);
        expect(parsed.protocol, `${r.region} ${url}`).toBe("https:");
        expect(parsed.search + parsed.hash, `${r.region} ${url}`).toBe("");
        expect(url.endsWith("/"), `${r.region} ${url}`).toBe(false);
      }
    }
  });

  it("holds the defaults of sekoiaIntakeUrl and sekoiaApiUrl, as FRA1's", () => {
    const fra1 = regions.find((r) => r.region === "FRA1")!;
    expect(fra1.intake).toBe(DEFAULTS.sekoiaIntakeUrl);
    expect(fra1.api).toBe(DEFAULTS.sekoiaApiUrl);
  });

  it("lists only intake bases the forwarder accepts as SEKOIA_INTAKE_URL, unchanged", () => {
    for (const r of regions) {
      const config = loadConfig({
        FLOWLOG_SOURCES: "https://flwesteurope1a2b3c4d.blob.core.windows.net/insights-logs-flowlogflowevent",
        CHECKPOINT_URL: "https://ckpt1a2b3c4d.blob.core.windows.net/checkpoints",
        SEKOIA_INTAKE_URL: r.intake,
        SEKOIA_VNET_INTAKE_KEY: "intake-key",
      });
      expect(config.intakeUrl, r.region).toBe(r.intake);
    }
  });
});

describe("pulumi config set in the pages", () => {
  const commands = markdownPages().flatMap((relative) =>
    codeLines(page(relative))
      .filter(({ line }) => /^\s*pulumi config set /.test(line))
      .map(({ line, number }) => ({ where: `${relative}:${number}`, key: line.trim().split(/\s+/).slice(3).find((word) => !word.startsWith("--"))! })),
  );

  it("are shown in the quick start and the README", () => {
    expect(commands.filter((c) => c.where.startsWith("docs/quick-start.md")).length).toBeGreaterThanOrEqual(5);
    expect(commands.filter((c) => c.where.startsWith("README.md")).length).toBeGreaterThanOrEqual(5);
  });

  it("set only keys Pulumi.yaml declares, or provider keys the program reads", () => {
    for (const { where, key } of commands) {
      const name = key.replace(/^['"]|['"]$/g, "");
      if (name.includes(":")) expect(PROVIDER_KEYS, where).toContain(name);
      else expect(projectKeys, where).toContain(name.split(/[.[]/)[0]);
    }
  });
});

describe("relative links", () => {
  it("lead to files and headings that exist", () => {
    const broken: string[] = [];
    for (const relative of markdownPages()) {
      for (const link of relativeLinks(page(relative))) {
        const [file, anchor] = link.split("#");
        const target = file ? path.join(path.dirname(relative), file) : relative;
        if (!existsSync(path.join(ROOT, target))) broken.push(`${relative}: ${link} (no file ${target})`);
        else if (anchor !== undefined && target.endsWith(".md") && !headings(page(target)).map(anchorOf).includes(anchor)) {
          broken.push(`${relative}: ${link} (no heading #${anchor} in ${target})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
