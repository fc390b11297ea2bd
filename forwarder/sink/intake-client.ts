// One request to the Sekoia batch endpoint: POST a gzipped body over a kept-alive connection, and
// classify the answer. Knows nothing of batching or retries.

import { classifyNetworkError, classifyStatus, type IntakeOutcome } from "./retry";

export interface IntakeResponse {
  readonly outcome: IntakeOutcome;
  /** Event ids the intake returned, when it answered 2xx with a body we could read. */
  readonly acceptedEvents?: number;
}

export class IntakeClient {
  readonly batchUrl: string;

  constructor(
    intakeUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.batchUrl = `${intakeUrl}/batch`;
  }

  /** `compressed`: the gzipped `{"intake_key", "jsons"}` body (see IntakeBatch.seal). */
  async post(compressed: Buffer, signal: AbortSignal): Promise<IntakeResponse> {
    let response: Response;
    try {
      response = await fetch(this.batchUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "user-agent": "sekoia-azure-flowlog-forwarder",
        },
        body: compressed,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      return { outcome: classifyNetworkError(error) };
    }
    let text = "";
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      return { outcome: classifyNetworkError(error) };
    }
    const outcome = classifyStatus(response.status, response.headers.get("retry-after"), Date.now());
    if (outcome.kind !== "delivered") return { outcome };
    return { outcome, acceptedEvents: countEventIds(text) };
  }
}

function countEventIds(text: string): number | undefined {
  try {
    const parsed = JSON.parse(text) as { event_ids?: unknown };
    return Array.isArray(parsed.event_ids) ? parsed.event_ids.length : undefined;
  } catch {
    return undefined;
  }
}
