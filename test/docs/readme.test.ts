// The README's configuration references stay true: every key Pulumi.yaml declares and every variable
// the forwarder's config parser reads is documented, and nothing documented is gone from the code.

import { readFileSync } from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { FORWARDER_VARIABLES } from "../../forwarder/config";

const root = path.resolve(__dirname, "../..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

function section(name: string): string {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  expect(start, `README.md has the ${name} markers`).toBeGreaterThanOrEqual(0);
  return readme.slice(start, end);
}

function documentedNames(table: string): string[] {
  return [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe("README configuration reference", () => {
  it("documents every forwarder variable the config parser reads, and no other", () => {
    expect(documentedNames(section("forwarder-variables")).sort()).toEqual(Object.keys(FORWARDER_VARIABLES).sort());
  });

  it("documents every stack configuration key declared in Pulumi.yaml", () => {
    const project = load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
    const infra = section("infra");
    for (const key of Object.keys(project.config)) expect(infra, `README documents stack key ${key}`).toContain(`\`${key}\``);
  });

  it("shows the two commands after cloning", () => {
    expect(readme).toContain("npm ci");
    expect(readme).toContain("npm test");
    expect(readme).toContain("npm run local");
  });
});
