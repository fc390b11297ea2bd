// Everything reading one source needs, built once per source when the forwarder is assembled
// (service/app.ts) and handed down whole: the poll, the per-blob forwarding and replay all take it.

import type { DeadLetterStore } from "../checkpoints/dead-letter";
import type { FlowLogSource } from "../config";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import type { SekoiaSink } from "../sink/sekoia-sink";
import type { BlobDiscovery } from "../source/blob-discovery";
import type { BlockReader } from "../source/block-reader";

export interface SourceContext {
  readonly source: FlowLogSource;
  readonly discovery: BlobDiscovery;
  readonly reader: BlockReader;
  /** The sink of the source's kind of flow log. */
  readonly sink: SekoiaSink;
  readonly deadLetters: DeadLetterStore;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
  /** Aborted when the forwarder stops: no new reads; what was read is still delivered and checkpointed. */
  readonly stopping: AbortSignal;
}
