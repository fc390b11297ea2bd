// Entry point of the forwarder bundle: `node forwarder.js [--once]` runs the forwarder, and
// `node forwarder.js <command>` runs one of the operator commands in commands/.

import type { Command } from "./commands/command";
import { decodeCommand } from "./commands/decode";
import { replayCommand } from "./commands/replay";
import { statusCommand } from "./commands/status";
import { configSecrets, FORWARDER_VARIABLES, loadConfig } from "./config";
import { ConfigError, UsageError } from "./errors";
import { createLogger } from "./log";
import { createApp } from "./service/app";
import { collectGarbageSooner } from "./service/gc-policy";
import { runOnce, runService } from "./service/run";

/** In --once mode a batch is given up (and the exit code says so) after this long failing. */
const ONCE_MAX_RETRY_MS = 300_000;

const COMMANDS: readonly Command[] = [decodeCommand, statusCommand, replayCommand];

const USAGE = `Usage: node forwarder.js [--once]
       node forwarder.js <command> [options]

Ships Azure NSG and VNet flow-log tuples from blob storage to the Sekoia.io HTTP intake.

  (no flag)   run as a service: poll every POLL_INTERVAL_SECONDS, serve /healthz, /readyz, /metrics
  --once      deliver everything committed now, then exit (0 when all was delivered)
  --help      this text

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}  ${c.summary}`).join("\n")}

Environment:
${Object.entries(FORWARDER_VARIABLES)
  .map(([name, meaning]) => `  ${name.padEnd(32)} ${meaning}`)
  .join("\n")}
`;

async function main(args: readonly string[]): Promise<number> {
  const command = COMMANDS.find((c) => c.name === args[0]);
  try {
    return command ? await command.run(args.slice(1), process.env) : await runForwarder(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${error.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function runForwarder(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== "--once");
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument ${unknown[0]}.\n\n${USAGE}`);
    return 2;
  }
  collectGarbageSooner();
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const once = args.includes("--once");
  const app = createApp(config, log, { maxRetryMs: once ? ONCE_MAX_RETRY_MS : undefined });
  return once ? runOnce(app, log) : runService(app, config, log);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
