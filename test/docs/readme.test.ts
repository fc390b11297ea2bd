// The README stays a front door: short enough to read at once, with the two commands a newcomer runs
// after cloning, and a link to the page of every topic the program's own messages send readers to
// ("see the README (alerts)"), so those messages keep leading somewhere. The reference material it
// links to is checked against the code in docs.test.ts.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { headings, page, relativeLinks, ROOT } from "./markdown";

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

  it("links to the page of every topic the program's messages and comments point to", () => {
    const topics = new Set(
      [...sources("infra"), ...sources("forwarder")].flatMap((file) =>
        [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/README(?: \(|: |, )"?([A-Za-z][A-Za-z ]*[A-Za-z])/g)].map((m) => m[1]),
      ),
    );
    expect(topics.size).toBeGreaterThanOrEqual(3);
    const pages = relativeLinks(readme)
      .map((link) => link.split("#")[0])
      .filter((link) => link.startsWith("docs/"));
    for (const topic of topics) {
      const holder = pages.find((p) => headings(page(p)).some((h) => h.toLowerCase() === topic.toLowerCase()));
      expect(holder, `a page linked from the README has the heading "${topic}"`).toBeDefined();
      expect(readme.toLowerCase(), `the README names "${topic}"`).toContain(topic.toLowerCase());
    }
  });
});
