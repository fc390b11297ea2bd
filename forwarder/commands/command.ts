// The subcommands of the forwarder bundle (`node forwarder.js <command> ...`): each names itself, carries
// its usage text and returns an exit code. Argument mistakes become a UsageError, which main.ts prints
// with the command's usage, so every command reports them the same way.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors";

export type Env = Readonly<Record<string, string | undefined>>;

export interface Command {
  readonly name: string;
  /** One line for the bundle's own --help. */
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], env: Env): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * Parses `args` strictly against `options` plus `--help`; returns undefined after printing the usage
 * when help was asked for.
 */
export function parseCommandArgs(command: Pick<Command, "usage">, args: readonly string[], options: Options): ParsedArgs | undefined {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util reports unknown or incomplete options as a TypeError with an ERR_PARSE_ARGS_* code.
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError((error as Error).message, command.usage);
    throw error;
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage);
    return undefined;
  }
  return parsed;
}
