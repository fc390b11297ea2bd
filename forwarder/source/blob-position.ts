// Where reading a blob stands. Committed blocks never change, so a position is "the first `blocks`
// blocks are delivered, plus the first `skip` events decoded from the blocks after them"; `digest`
// fingerprints those blocks so a rewritten blob is noticed instead of read from a wrong offset.

import { createHash } from "node:crypto";

export interface CommittedBlock {
  readonly name: string;
  readonly size: number;
}

export interface BlobPosition {
  readonly blocks: number;
  /** Byte offset of block `blocks`: the sum of the sizes of the blocks before it. */
  readonly offset: number;
  readonly skip: number;
  readonly digest: string;
}

/** Where a read resumes: the position reached, and the blob's last committed block then (only the tail follows it). */
export interface ReadStart {
  readonly position: BlobPosition;
  readonly lastBlock?: CommittedBlock;
}

export const START_POSITION: BlobPosition = { blocks: 0, offset: 0, skip: 0, digest: blocksDigest([], 0) };

export function blocksDigest(blocks: readonly CommittedBlock[], count: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i < count; i++) hash.update(`${blocks[i].name}:${blocks[i].size};`);
  return hash.digest("base64url");
}

/** True when the blob's committed blocks still begin with the blocks the position covers. */
export function extendsPosition(blocks: readonly CommittedBlock[], position: BlobPosition): boolean {
  return blocks.length >= position.blocks && blocksDigest(blocks, position.blocks) === position.digest;
}

export function positionAt(blocks: readonly CommittedBlock[], count: number, skip = 0): BlobPosition {
  let offset = 0;
  for (let i = 0; i < count; i++) offset += blocks[i].size;
  return { blocks: count, offset, skip, digest: blocksDigest(blocks, count) };
}
