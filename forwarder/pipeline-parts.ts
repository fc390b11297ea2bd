// What forwarding one source's blobs needs, gathered so the per-blob code takes one argument.

import type { CheckpointStore } from "./checkpoints/checkpoint-store";
import type { DeadLetterStore } from "./checkpoints/dead-letter";
import type { Logger } from "./log";
import type { ForwarderMetrics } from "./metrics";
import type { SekoiaSink } from "./sink/sekoia-sink";
import type { BlockReader } from "./source/block-reader";

export interface StopSignal {
  readonly stopped: boolean;
}

export interface PipelineParts {
  readonly reader: BlockReader;
  readonly sink: SekoiaSink;
  readonly store: CheckpointStore;
  readonly deadLetters: DeadLetterStore;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
  readonly stopSignal: StopSignal;
}
