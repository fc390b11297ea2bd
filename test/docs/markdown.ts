// Reads the project's Markdown pages the way the doc tests need them: a marked section, the rows of a
// table, the commands of the code blocks, the headings and their GitHub anchors, the relative links.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

export const ROOT = path.resolve(__dirname, "../..");

/** README.md, every page of docs/, and forwarder/README.md, as paths relative to the root. */
export function markdownPages(): string[] {
  const docs = readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort(), "forwarder/README.md"];
}

export function page(relative: string): string {
  return readFileSync(path.join(ROOT, relative), "utf8");
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->` of a page. */
export function section(relative: string, name: string): string {
  const text = page(relative);
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${relative} has the ${name} markers`).toBeGreaterThanOrEqual(0);
  expect(end, `${relative} closes the ${name} markers`).toBeGreaterThan(start);
  return text.slice(start, end);
}

/** The cells of each table row of a text, header and separator rows left out. */
export function tableRows(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[-| ]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    )
    .slice(1);
}

/** The names in backticks of a cell, e.g. "`a`, `b`" -> ["a", "b"]. */
export function codeNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/** Lines of a page's fenced code blocks, with their line numbers. */
export function codeLines(text: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (fenced) out.push({ line, number: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** The headings of a page (outside code blocks), as written. */
export function headings(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) out.push(line.replace(/^#+ /, "").trim());
  }
  return out;
}

/** Relative link targets of a page (no scheme), e.g. "docs/alerts.md#alerts" or "#regions". */
export function relativeLinks(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}
