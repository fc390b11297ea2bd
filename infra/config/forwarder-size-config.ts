// Parses `forwarderSize`: the vCPU and memory of the forwarder's one container, as `<vCPU>/<memory>Gi`.
// The app runs on the Consumption profile of a workload-profiles environment (forwarder-app.ts),
// where Container Apps accepts exactly these pairs: 0.25 to 4 vCPU in steps of 0.25, each with twice
// as many GiB (Azure Container Apps, "Containers", vCPU and memory allocation requirements; a
// Consumption-only environment would stop at 2/4Gi). Any other pair is refused by Azure half-way
// through `pulumi up`, so it is an error here.
//
// Memory is not what an estate uses up (the forwarder peaks under 160 MB whatever the input); CPU is:
// docs/performance.md, "Container size, and the estate one forwarder serves".

export interface ForwarderSize {
  /** vCPU, e.g. 0.25. */
  readonly cpu: number;
  /** Memory as Container Apps writes it, e.g. `0.5Gi`. */
  readonly memory: string;
}

/** Every size Container Apps accepts on the Consumption workload profile, smallest first. */
export const FORWARDER_SIZES: readonly ForwarderSize[] = Array.from({ length: 16 }, (_, i) => ({ cpu: (i + 1) / 4, memory: `${(i + 1) / 2}Gi` }));

/** `0.25/0.5Gi`: how a size is written in the stack configuration. */
export const sizeText = (size: ForwarderSize): string => `${size.cpu}/${size.memory}`;

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:vcpus?)?\s*\/\s*(\d+(?:\.\d+)?)\s*gi(?:b)?$/i;

/** `text` is the trimmed value (its default `0.25/0.5Gi` when unset); appends a problem and returns the smallest size when invalid. */
export function parseForwarderSize(text: string, problems: string[]): ForwarderSize {
  const m = SIZE.exec(text);
  const found = m ? FORWARDER_SIZES.find((s) => s.cpu === Number(m[1]) && s.memory === `${Number(m[2])}Gi`) : undefined;
  if (found) return found;
  const sameCpu = m ? FORWARDER_SIZES.find((s) => s.cpu === Number(m[1])) : undefined;
  problems.push(
    `forwarderSize: found ${JSON.stringify(text)}, expected one of the vCPU/memory pairs Container Apps accepts (memory twice the vCPU): ` +
      `${FORWARDER_SIZES.map(sizeText).join(", ")}` +
      (sameCpu ? `; for ${sameCpu.cpu} vCPU that is ${sizeText(sameCpu)}` : ""),
  );
  return FORWARDER_SIZES[0];
}
