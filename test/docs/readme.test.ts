// The README stays a front door: short enough to read at once, with the two commands a newcomer runs
// after cloning, and a link to every page the program's own messages send readers to
// ("docs/runbook.md#rotating-the-sas"), so those messages keep leading somewhere. The reference material it
// links to is checked against the code in docs.test.ts.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { anchorOf, headings, page, relativeLinks, ROOT } from "./markdown";

const readme = page("README.md");

/** TypeScript sources under a folder, recursively. */
function sources(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(folder, f));
}

describe("README", () => {
  it("fits in one read", () => {
    expect(readme.split("\n").length).toBeLessThan(250);
  });

  it("shows the two commands after cloning", () => {
    expect(readme).toContain("npm ci");
    expect(readme).toContain("npm test");
    expect(readme).toContain("npm run local");
    expect(readme).toContain("pulumi up");
  });

  it("shows the component in use and links to its page", () => {
    expect(readme).toContain('new SekoiaFlowLogs("sekoia-flowlogs", {');
    expect(readme).toContain("pulumi package add");
    expect(relativeLinks(readme)).toContain("docs/component.md");
  });

  it("links to every page the program's messages and comments send readers to, each anchor they name a heading there", () => {
    const named = new Set(
      [...sources("infra"), ...sources("forwarder")].flatMap((file) =>
        [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/\bdocs\/([a-z-]+\.md)(?:#([a-z0-9-]+))?/g)].map((m) => (m[2] ? `docs/${m[1]}#${m[2]}` : `docs/${m[1]}`)),
      ),
    );
    expect([...named]).toEqual(expect.arrayContaining(["docs/alerts.md", "docs/runbook.md#rotating-the-sas", "docs/runbook.md#adopting-an-existing-flow-log"]));
    const linked = relativeLinks(readme).map((link) => link.split("#")[0]);
    for (const reference of named) {
      const [file, anchor] = reference.split("#");
      expect(existsSync(path.join(ROOT, file)), `${reference}: ${file} exists`).toBe(true);
      if (anchor) expect(headings(page(file)).map(anchorOf), `${reference}: a heading of ${file}`).toContain(anchor);
      expect(linked, `the README links to ${file}`).toContain(file);
    }
  });
});
