// Every error the forwarder raises on purpose, each with a stable code (for log queries and alerts),
// the dependency readiness blames for it, and the variable, blob or status that caused it in its
// message. test/forwarder/errors.test.ts checks that every code is raised somewhere and documented.

import { intakeKeyVariable, VARIABLES, type FlowLogKind } from "./contract";

/** What /readyz reports on, one entry each. */
export type Dependency = "storage" | "checkpoints" | "intake" | "queue";

/** Every code, with the dependency it blames (none: the forwarder's own state, or the operator's input). */
export const ERROR_CODES = {
  CONFIG_INVALID: undefined,
  CONTAINER_URL_INVALID: undefined,
  USAGE_INVALID: undefined,
  INTAKE_KEY_REJECTED: "intake",
  INTAKE_UNAVAILABLE: "intake",
  CHECKPOINT_CONFLICT: "checkpoints",
  CHECKPOINT_CONTAINER_MISSING: "checkpoints",
  CHECKPOINT_UNAVAILABLE: "checkpoints",
  QUEUE_UNAVAILABLE: "queue",
  BLOB_CHANGED: undefined,
  SHUTTING_DOWN: undefined,
} as const satisfies Record<string, Dependency | undefined>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ForwarderError extends Error {
  /** The dependency whose failure this is, for readiness; undefined when it is none of them. */
  readonly dependency: Dependency | undefined;
  /** Expected in normal operation (another replica's write, a blob Azure appends to): logged as a warning. */
  readonly expected: boolean = false;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ForwarderError";
    this.dependency = ERROR_CODES[code];
  }
}

/** One variable that is missing or malformed: what is wrong with it, and what a valid value looks like (the fix). */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
  readonly expected: string;
}

function describeConfigProblem(p: ConfigProblem): string {
  return `${p.variable} ${p.problem}; expected ${p.expected}.`;
}

/**
 * Configuration values are missing or malformed: names each variable and what a valid value looks like.
 * Several problems come as one error, so that an operator fixes them all before the next start.
 */
export class ConfigError extends ForwarderError {
  /** Every variable at fault, in the order they were checked; at least one. */
  readonly problems: readonly ConfigProblem[];

  constructor(variable: string, problem: string, expected: string);
  constructor(problems: readonly ConfigProblem[]);
  constructor(first: string | readonly ConfigProblem[], problem = "", expected = "") {
    const problems = typeof first === "string" ? [{ variable: first, problem, expected }] : first;
    super(
      "CONFIG_INVALID",
      problems.length === 1
        ? describeConfigProblem(problems[0])
        : `${problems.length} variables are missing or malformed:\n${problems.map((p) => `  ${describeConfigProblem(p)}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }

  /** The first variable at fault. */
  get variable(): string {
    return this.problems[0].variable;
  }
}

/** A container URL is not one the forwarder can read; config.ts turns it into a ConfigError naming the variable. */
export class ContainerUrlError extends ForwarderError {
  constructor(problem: string) {
    super("CONTAINER_URL_INVALID", problem);
    this.name = "ContainerUrlError";
  }
}

/** An operator command was given arguments it does not take; printed with the command's usage. */
export class UsageError extends ForwarderError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super("USAGE_INVALID", message);
    this.name = "UsageError";
  }
}

/** The intake refused the key (401/403) or has no such endpoint (404): an operator error, never retried silently. */
export class IntakeKeyRejectedError extends ForwarderError {
  constructor(kind: FlowLogKind, status: number) {
    super(
      "INTAKE_KEY_REJECTED",
      `The Sekoia intake answered ${status} to the ${kind.toUpperCase()} intake key; check ${intakeKeyVariable(kind)} and ${VARIABLES.intakeUrl} (region).`,
    );
    this.name = "IntakeKeyRejectedError";
  }
}

/** The intake kept failing until the retry budget (only bounded in --once mode) ran out, or shutdown began. */
export class IntakeUnavailableError extends ForwarderError {
  constructor(detail: string) {
    super("INTAKE_UNAVAILABLE", `The Sekoia intake could not be reached: ${detail}.`);
    this.name = "IntakeUnavailableError";
  }
}

/** Another writer changed a checkpoint since we read it: we stop rather than overwrite its progress. */
export class CheckpointConflictError extends ForwarderError {
  override readonly expected = true;

  constructor(checkpointName: string) {
    super("CHECKPOINT_CONFLICT", `Checkpoint ${checkpointName} was changed by another writer; this replica leaves the blob to it.`);
    this.name = "CheckpointConflictError";
  }
}

/** CHECKPOINT_URL names a container that does not exist. */
export class CheckpointContainerMissingError extends ForwarderError {
  constructor(containerUrl: string) {
    super("CHECKPOINT_CONTAINER_MISSING", `${VARIABLES.checkpointUrl} names ${containerUrl}, which does not exist; create the container first.`);
    this.name = "CheckpointContainerMissingError";
  }
}

/** The checkpoint container failed or did not answer: progress can be neither read nor stored for now. */
export class CheckpointUnavailableError extends ForwarderError {
  /** HTTP status storage answered, if it answered: 403 at start means roles still propagating. */
  readonly statusCode?: number;

  constructor(action: string, cause: unknown) {
    const e = cause as { message?: unknown; statusCode?: unknown; code?: unknown };
    const detail = [e?.statusCode ?? e?.code, e?.message ?? String(cause)].filter((part) => part !== undefined).join(" ");
    super("CHECKPOINT_UNAVAILABLE", `The checkpoint container (${VARIABLES.checkpointUrl}) could not ${action}: ${detail}.`);
    this.name = "CheckpointUnavailableError";
    if (typeof e?.statusCode === "number") this.statusCode = e.statusCode;
  }
}

/** The blob-events queue (event mode) failed or did not answer: blobs are found by listing until it does. */
export class QueueUnavailableError extends ForwarderError {
  constructor(action: string, cause: unknown) {
    const e = cause as { message?: unknown; statusCode?: unknown; code?: unknown };
    const detail = [e?.statusCode ?? e?.code, e?.message ?? String(cause)].filter((part) => part !== undefined).join(" ");
    super("QUEUE_UNAVAILABLE", `The blob-events queue (${VARIABLES.eventsQueueUrl}) could not ${action}: ${detail}.`);
    this.name = "QueueUnavailableError";
  }
}

/** The blob changed (or vanished) between listing its blocks and downloading them: read again next poll. */
export class BlobChangedError extends ForwarderError {
  override readonly expected = true;

  constructor(
    readonly blobName: string,
    readonly gone: boolean,
  ) {
    super("BLOB_CHANGED", gone ? `blob ${blobName} was deleted while being read` : `blob ${blobName} changed while being read`);
    this.name = "BlobChangedError";
  }
}

/** The forwarder stopped before the intake acknowledged these events; they are read again at the next start. */
export class ShuttingDownError extends ForwarderError {
  constructor() {
    super("SHUTTING_DOWN", "The forwarder is shutting down.");
    this.name = "ShuttingDownError";
  }
}
