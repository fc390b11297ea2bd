// One line of progress for a person watching: on a terminal it is redrawn in place; when output goes
// to a file or a CI log it is printed as a whole line every few seconds instead, so logs stay readable.

const REDRAW_MS = 200;
const DEFAULT_PRINT_MS = 5_000;

export class ProgressLine {
  private lastDrawn = 0;
  private latest = "";
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    /** Without a terminal, print at most this often. */
    private readonly printEveryMs = DEFAULT_PRINT_MS,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(text: string, now = Date.now()): void {
    this.latest = text;
    if (now - this.lastDrawn < (this.tty ? REDRAW_MS : this.printEveryMs)) return;
    this.lastDrawn = now;
    this.draw(text);
  }

  /** Leaves the latest text on screen (or prints it once more) and ends the line. */
  finish(text = this.latest): void {
    if (this.tty) this.stream.write(`\r${this.fit(text)}\x1b[K\n`);
    else if (text !== "") this.stream.write(`${text}\n`);
  }

  private draw(text: string): void {
    if (this.tty) this.stream.write(`\r${this.fit(text)}\x1b[K`);
    else this.stream.write(`${text}\n`);
  }

  /** A line longer than the terminal wraps, and `\r` then redraws only its last part. */
  private fit(text: string): string {
    const columns = this.stream.columns ?? 120;
    return text.length < columns ? text : text.slice(0, columns - 2) + "…";
  }
}

export function progressBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/** 75 s as 1:15, 3,700 s as 1:01:40. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
