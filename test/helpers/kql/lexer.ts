// Tokens of the KQL subset the alert rules and forwarderLogQuery use (see evaluate.ts for why a
// subset): identifiers, string literals ("..", '..', @".." verbatim), numbers, timespan literals
// (30m, 1h, 1d, 10s), and punctuation. Anything else is refused, naming the offset.

export type Token =
  | { readonly kind: "ident"; readonly text: string; readonly at: number }
  | { readonly kind: "string"; readonly text: string; readonly at: number }
  | { readonly kind: "number"; readonly value: number; readonly at: number }
  | { readonly kind: "timespan"; readonly ms: number; readonly text: string; readonly at: number }
  | { readonly kind: "punct"; readonly text: string; readonly at: number };

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const PUNCTUATION = ["==", "!=", "<=", ">=", "=~", "|", "(", ")", "[", "]", ",", ";", "=", "<", ">", ".", ":", "+", "-", "*", "/"];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (source.startsWith("//", i)) {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    const at = i;
    if (c === "@" && (source[i + 1] === '"' || source[i + 1] === "'")) {
      const quote = source[i + 1];
      const end = source.indexOf(quote, i + 2);
      if (end < 0) throw new Error(`KQL: unterminated verbatim string at ${at}`);
      tokens.push({ kind: "string", text: source.slice(i + 2, end), at });
      i = end + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let text = "";
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === "\\") {
          const next = source[i + 1];
          text += next === "n" ? "\n" : next === "t" ? "\t" : next;
          i += 2;
        } else text += source[i++];
      }
      if (i >= source.length) throw new Error(`KQL: unterminated string at ${at}`);
      i++;
      tokens.push({ kind: "string", text, at });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^([0-9]+(?:\.[0-9]+)?)(ms|d|h|m|s)?(?![A-Za-z0-9_])/.exec(source.slice(i));
      if (!m) throw new Error(`KQL: malformed number at ${at}`);
      const value = Number(m[1]);
      if (m[2]) tokens.push({ kind: "timespan", ms: value * UNIT_MS[m[2]], text: m[0], at });
      else tokens.push({ kind: "number", value, at });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(~)?/.exec(source.slice(i))!;
      tokens.push({ kind: "ident", text: m[0], at });
      i += m[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (!punct) throw new Error(`KQL: unexpected character ${JSON.stringify(c)} at ${at}`);
    tokens.push({ kind: "punct", text: punct, at });
    i += punct.length;
  }
  return tokens;
}
