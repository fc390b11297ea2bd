// Starts a real Azurite blob service on a free loopback port (in memory, or on disk for tests that
// restart it with the same data) and gives SAS URLs the way an operator would paste them.

import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from "@azure/storage-blob";

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const AZURITE_BIN = path.resolve(__dirname, "../../node_modules/azurite/dist/src/blob/main.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs one of Azurite's services (`args`: its main.js and options) until it says it listens; rejects naming `what` with its output. */
export async function startAzuriteService(args: readonly string[], what: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 20 s: ${output}`)), 20_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes("successfully listens")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${output}`));
    });
  });
  child.removeAllListeners("exit");
  return child;
}

export class Azurite {
  readonly credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    /** Directory for on-disk persistence; in memory when absent. */
    private readonly location?: string,
  ) {}

  static async start(options: { location?: string } = {}): Promise<Azurite> {
    const azurite = new Azurite(await freePort(), options.location);
    await azurite.resume();
    return azurite;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}/${DEV_ACCOUNT}`;
  }

  get service(): BlobServiceClient {
    return new BlobServiceClient(this.endpoint, this.credential);
  }

  /** Starts (again) on the same port; with a location, the data survives a stop. */
  async resume(): Promise<void> {
    const args = [
      AZURITE_BIN,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(this.port),
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--silent",
      "--loose",
    ];
    args.push(...(this.location ? ["--location", this.location] : ["--inMemoryPersistence"]));
    this.child = await startAzuriteService(args, "Azurite");
  }

  /**
   * Stops the service. `graceful` lets Azurite save its metadata first (SIGTERM), as a storage outage
   * that keeps the data should; otherwise it is killed, and an on-disk store loses its last seconds.
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      if (!options.graceful) {
        child.kill("SIGKILL");
        return;
      }
      child.stdout!.on("data", (data: Buffer) => {
        if (data.toString().includes("successfully closed")) child.kill("SIGKILL");
      });
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    });
  }

  async createContainer(name: string): Promise<void> {
    await this.service.getContainerClient(name).createIfNotExists();
  }

  /** A container URL with a service SAS, as Pulumi's stack outputs give Sekoia (`rl`) or the forwarder. */
  containerSasUrl(container: string, permissions = "rl"): string {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 24 * 3_600_000),
        protocol: SASProtocol.HttpsAndHttp,
      },
      this.credential,
    ).toString();
    return `${this.endpoint}/${container}?${sas}`;
  }
}
