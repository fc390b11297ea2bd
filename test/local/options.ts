// The options of `npm run local`, and its usage text.

import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run local -- [--duration <s>] [--poll-interval <s>] [--record-interval <s>] [--nics <n>] [--replicas <n>] [--sekoia-api]

Runs the whole pipeline on this machine: an in-memory Azurite, a writer that commits NSG v2 and VNet
flow-log records block by block as Azure does, the forwarder bundle as a service, and a loopback
Sekoia intake that keeps what it receives. Shows one line of progress; on Ctrl-C or after --duration
it stops the writer, lets the forwarder deliver what was committed, stops it, and prints a summary.
Exits 1 if a committed tuple was not delivered or was delivered twice.

  --duration <s>          stop after this many seconds (default: run until Ctrl-C)
  --poll-interval <s>     the forwarder's POLL_INTERVAL_SECONDS (default 5)
  --record-interval <s>   seconds between two records of a NIC (default 2; Azure writes every 60)
  --nics <n>              NICs per kind of flow log (default 2)
  --replicas <n>          forwarder replicas (default 1, polling); above 1, event mode: Azurite's queue
                          service, an Event Grid stand-in enqueuing a BlobCreated event per commit,
                          and that many forwarders sharing the blobs
  --sekoia-api            create the two intakes through a loopback Sekoia configuration API, with
                          the stack's own provider (sekoiaIntakeProvider), and delete them at the end
  --help                  this text

With SEKOIA_INTAKE_URL and SEKOIA_NSG_INTAKE_KEY and/or SEKOIA_VNET_INTAKE_KEY set, the synthetic
traffic goes to that Sekoia intake instead (a smoke test; only kinds with a key are written). Receipt
can then only be judged by the forwarder's own count of tuples the intake accepted.
`;

export interface LocalOptions {
  readonly durationSeconds?: number;
  readonly pollIntervalSeconds: number;
  readonly recordIntervalMs: number;
  readonly nicsPerKind: number;
  /** Forwarder replicas; above 1, event mode. */
  readonly replicas: number;
  /** Create the loopback intakes through the loopback Sekoia configuration API. */
  readonly sekoiaApi: boolean;
}

export class OptionsError extends Error {}

function positive(values: Record<string, string | boolean | undefined>, name: string, fallback: number, integer = false): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new OptionsError(`--${name} is "${String(raw)}"; expected a ${integer ? "whole " : ""}number above 0.`);
  }
  return value;
}

/** The options, or "help" when the usage was asked for. */
export function parseLocalOptions(args: readonly string[]): LocalOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        duration: { type: "string" },
        "poll-interval": { type: "string" },
        "record-interval": { type: "string" },
        nics: { type: "string" },
        replicas: { type: "string" },
        "sekoia-api": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  if (values.help) return "help";
  return {
    durationSeconds: values.duration === undefined ? undefined : positive(values, "duration", 0),
    pollIntervalSeconds: positive(values, "poll-interval", 5, true),
    recordIntervalMs: positive(values, "record-interval", 2) * 1000,
    nicsPerKind: positive(values, "nics", 2, true),
    replicas: positive(values, "replicas", 1, true),
    sekoiaApi: values["sekoia-api"] === true,
  };
}
