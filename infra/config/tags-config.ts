// Parses `tags`: tags an organisation requires on every resource (a common Azure Policy denies a
// resource without them), merged into the tags the stack sets itself on every resource it creates.
//
// The stack's own tags (project, stack, managed-by) say what manages a resource; a `tags` entry of
// one of those names, in any case (Azure tag names ignore case), is refused rather than silently
// overridden either way. Azure's limits are checked here, before anything is created: at most 50
// tags per resource (the stack's 3 included), names without < > % & \ ? /, names up to 128
// characters (storage accounts' limit; other resources take 512, but every resource gets the same
// tags), values up to 256.
//
// `pulumi config set --path 'tags.costCenter' 1234` stores an integer and `... true` a boolean: those
// are taken as the text they were written as. Anything else that is not a string is an error.

/** The tags the stack sets on every resource it creates. */
export function ownTags(stack: string): Readonly<Record<string, string>> {
  return { project: "sekoia-flowlogs", stack, "managed-by": "pulumi" };
}

/** Azure's limits on tags (Azure Resource Manager, "Use tags to organize your Azure resources"). */
export const TAG_LIMITS = { perResource: 50, nameLength: 128, valueLength: 256 } as const;
const OWN_NAMES = Object.keys(ownTags(""));
/** Characters Azure refuses in a tag name. */
const FORBIDDEN = /[<>%&\\?/]/g;

const show = (v: unknown): string => JSON.stringify(v);
const keyOf = (name: string): string => (/^[A-Za-z_][\w-]*$/.test(name) ? `tags.${name}` : `tags[${show(name)}]`);

/** `raw` is the JSON the engine passes (an object); undefined or empty: no tags. Appends problems. */
export function parseTags(raw: string | undefined, problems: string[]): Record<string, string> {
  const expected =
    'an object of tag names and values, e.g. {"costCenter": "1234", "owner": "secops"}; set one with `pulumi config set --path \'tags.costCenter\' 1234`';
  if (raw === undefined || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`tags: found ${show(raw)}, expected ${expected}`);
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push(`tags: found ${show(parsed)}, expected ${expected}`);
    return {};
  }
  const tags: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const key = keyOf(name);
    const before = problems.length;
    if (name.trim() === "") problems.push(`${key}: found an empty tag name, expected a name such as costCenter`);
    const forbidden = [...new Set(name.match(FORBIDDEN) ?? [])];
    if (forbidden.length > 0)
      problems.push(`${key}: found ${forbidden.join(" ")} in the tag name, expected none of < > % & \\ ? / (Azure refuses them in tag names)`);
    if (name.length > TAG_LIMITS.nameLength) {
      problems.push(
        `${key.slice(0, 60)}…: found a tag name of ${name.length} characters, expected at most ${TAG_LIMITS.nameLength} ` +
          "(the limit of storage accounts, which the stack creates; other resources take 512)",
      );
    }
    const own = OWN_NAMES.find((n) => n === name.toLowerCase());
    if (own !== undefined) {
      problems.push(
        `${key}: found a tag the stack sets itself on every resource (project, stack, managed-by; tag names ignore case), ` +
          `expected another name: ${own} says what manages the resource and is not overridden; rename yours (e.g. ${name}-owner)`,
      );
    }
    const duplicateOf = seen.get(name.toLowerCase());
    if (duplicateOf !== undefined) problems.push(`${key}: found the same name as ${keyOf(duplicateOf)} (Azure tag names ignore case), expected each tag once`);
    seen.set(name.toLowerCase(), name);
    let text: string | undefined;
    if (typeof value === "string") text = value;
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") text = String(value);
    else problems.push(`${key}: found ${show(value)}, expected the tag's value, a string of up to ${TAG_LIMITS.valueLength} characters`);
    if (text !== undefined && text.length > TAG_LIMITS.valueLength) {
      problems.push(`${key}: found a value of ${text.length} characters, expected at most ${TAG_LIMITS.valueLength} (Azure's limit on a tag value)`);
    }
    if (problems.length === before && text !== undefined) tags[name] = text;
  }
  const count = Object.keys(parsed as object).length;
  const allowed = TAG_LIMITS.perResource - OWN_NAMES.length;
  if (count > allowed) {
    problems.push(
      `tags: found ${count} tags, expected at most ${allowed}: Azure allows ${TAG_LIMITS.perResource} per resource and the stack sets ${OWN_NAMES.length} of its own (${OWN_NAMES.join(", ")})`,
    );
  }
  return tags;
}
