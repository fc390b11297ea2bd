// Every error the forwarder raises on purpose, each with a stable code (for log queries and alerts)
// and the variable, blob or status that caused it in its message.

export type ErrorCode =
  | "CONFIG_INVALID"
  | "INTAKE_KEY_REJECTED"
  | "INTAKE_REQUEST_REJECTED"
  | "INTAKE_UNAVAILABLE"
  | "CHECKPOINT_CONFLICT"
  | "CHECKPOINT_CONTAINER_MISSING"
  | "CHECKPOINT_UNAVAILABLE"
  | "SOURCE_LOCKED"
  | "SHUTTING_DOWN";

export class ForwarderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ForwarderError";
  }
}

/** A configuration value is missing or malformed: names the variable and what a valid value looks like. */
export class ConfigError extends ForwarderError {
  constructor(
    readonly variable: string,
    problem: string,
    expected: string,
  ) {
    super("CONFIG_INVALID", `${variable} ${problem}; expected ${expected}.`);
    this.name = "ConfigError";
  }
}

/** The intake refused the key (401/403) or has no such endpoint (404): an operator error, never retried silently. */
export class IntakeKeyRejectedError extends ForwarderError {
  constructor(kindLabel: string, status: number) {
    super(
      "INTAKE_KEY_REJECTED",
      `The Sekoia intake answered ${status} to the ${kindLabel} intake key; check SEKOIA_${kindLabel}_INTAKE_KEY and SEKOIA_INTAKE_URL (region).`,
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
  constructor(checkpointName: string) {
    super(
      "CHECKPOINT_CONFLICT",
      `Checkpoint ${checkpointName} was changed by another writer; this replica leaves the blob to it.`,
    );
    this.name = "CheckpointConflictError";
  }
}

/** The checkpoint container failed or did not answer: progress can be neither read nor stored for now. */
export class CheckpointUnavailableError extends ForwarderError {
  /** HTTP status storage answered, if it answered: 403 at start means roles still propagating. */
  readonly statusCode?: number;

  constructor(action: string, cause: unknown) {
    const e = cause as { message?: unknown; statusCode?: unknown; code?: unknown };
    const detail = [e?.statusCode ?? e?.code, e?.message ?? String(cause)].filter((part) => part !== undefined).join(" ");
    super("CHECKPOINT_UNAVAILABLE", `The checkpoint container (CHECKPOINT_URL) could not ${action}: ${detail}.`);
    this.name = "CheckpointUnavailableError";
    if (typeof e?.statusCode === "number") this.statusCode = e.statusCode;
  }
}

export class ShuttingDownError extends ForwarderError {
  constructor() {
    super("SHUTTING_DOWN", "The forwarder is shutting down.");
    this.name = "ShuttingDownError";
  }
}
