// The command line of `npm run plan`: what it accepts, and the answer to anything else. An unknown
// option or a stray argument is a usage error (exit 2), never a silent plan of the dev stack: a
// reviewer who typed `--stak prod` must not read the dev stack's plan as prod's.
import { nearest } from "../config/nearest";

export const USAGE = `Usage: npm run plan -- [--stack NAME] [--now ISO-8601]

Prints what the Pulumi program would register for a stack (resources, inputs, invokes, outputs),
computed offline under Pulumi's mocks from Pulumi.yaml and Pulumi.<NAME>.yaml: no Azure credentials
and no Pulumi CLI needed. Secrets print as [secret]; ids and generated names are fake.

Options:
  --stack NAME      the stack whose Pulumi.<NAME>.yaml is read (default: dev)
  --now ISO-8601    the instant sasExpiry must be after (default: the current time)
  -h, --help        print this help

Exit status: 0 the plan was printed; 1 the stack's configuration is invalid or its file is missing;
2 usage error.
`;

export type PlanCommand =
  { readonly kind: "help" } | { readonly kind: "plan"; readonly stack: string; readonly now?: Date } | { readonly kind: "usage"; readonly error: string };

const OPTIONS = ["--stack", "--now", "--help"] as const;

/** `argv` without node and the script. */
export function parsePlanArgs(argv: readonly string[]): PlanCommand {
  const values: Partial<Record<"--stack" | "--now", string>> = {};
  const usage = (error: string): PlanCommand => ({ kind: "usage", error });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (!arg.startsWith("-")) {
      const hint = /^[\w.-]+$/.test(arg) ? ` (to plan the stack ${arg}: npm run plan -- --stack ${arg})` : "";
      return usage(`unexpected argument ${JSON.stringify(arg)}${hint}`);
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== "--stack" && name !== "--now") {
      const guess = nearest(
        name.replace(/^-+/, ""),
        OPTIONS.map((o) => o.slice(2)),
      );
      return usage(`unknown option ${name}${guess ? ` (did you mean --${guess}?)` : ""}`);
    }
    if (values[name] !== undefined) return usage(`${name} is given twice`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("-"))) return usage(`${name} needs a value`);
    if (eq < 0) i++;
    values[name] = value;
  }
  const stack = values["--stack"] ?? "dev";
  if (!/^[\w.-]+$/.test(stack)) return usage(`--stack: found ${JSON.stringify(stack)}, expected a stack name (letters, digits, '-', '_' or '.')`);
  const nowText = values["--now"];
  if (nowText === undefined) return { kind: "plan", stack };
  const now = new Date(nowText);
  if (!/^\d{4}-\d{2}-\d{2}/.test(nowText) || Number.isNaN(now.getTime())) {
    return usage(`--now: found ${JSON.stringify(nowText)}, expected an ISO-8601 instant such as 2026-06-01T00:00:00Z`);
  }
  return { kind: "plan", stack, now };
}
