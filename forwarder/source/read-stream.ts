// Collects a download stream into one Buffer (downloads here are bounded: a block run or a checkpoint).

export async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Copies a download stream into `buffer` (a reused one) and returns the part it filled. */
export async function readStreamInto(stream: NodeJS.ReadableStream, buffer: Buffer): Promise<Buffer> {
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (length + bytes.length > buffer.length) throw new RangeError(`download larger than the ${buffer.length} bytes asked for`);
    length += bytes.copy(buffer, length);
  }
  return buffer.subarray(0, length);
}
