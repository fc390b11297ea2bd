// `npm run local -- --sekoia-api`: the intakes of the local run are created the way `pulumi up`
// creates them, through sekoiaIntakeProvider against a loopback Sekoia configuration API, and
// deleted through it at the end, as `pulumi destroy` would.

import type { FlowLogKind } from "../../forwarder/contract";
import { sekoiaIntakeProvider, type SekoiaIntakeOutputs } from "../../infra/sekoia/sekoia-intake";
import { INTAKE_FORMATS } from "../../infra/sekoia/sekoia-intakes";
import { API_KEY, ENTITY, SekoiaApiServer } from "../helpers/sekoia-api";

export class LocalSekoiaIntakes {
  private constructor(
    private readonly api: SekoiaApiServer,
    private readonly intakes: Record<FlowLogKind, SekoiaIntakeOutputs>,
  ) {}

  static async create(): Promise<LocalSekoiaIntakes> {
    const api = await SekoiaApiServer.start({ basePath: "/api" });
    try {
      const make = async (kind: FlowLogKind) =>
        (
          await sekoiaIntakeProvider.create({
            apiUrl: api.url,
            apiKey: API_KEY,
            name: `azure-flowlogs-local-${kind}`,
            formatUuid: INTAKE_FORMATS[kind],
            entityUuid: ENTITY,
          })
        ).outs!;
      return new LocalSekoiaIntakes(api, { nsg: await make("nsg"), vnet: await make("vnet") });
    } catch (error) {
      await api.stop();
      throw error;
    }
  }

  /** The intake keys Sekoia issued, for the loopback intake and the forwarder. */
  get keys(): Record<FlowLogKind, string> {
    return { nsg: this.intakes.nsg.intakeKey, vnet: this.intakes.vnet.intakeKey };
  }

  describe(): string {
    const list = (["nsg", "vnet"] as const).map((k) => `${this.intakes[k].name} (${this.intakes[k].uuid})`).join(", ");
    return `Sekoia intakes created through the loopback configuration API on ${this.api.url} (sekoiaIntakeProvider): ${list}.`;
  }

  /** Deletes both intakes through the provider; returns how many the API still holds. */
  async deleteIntakes(): Promise<number> {
    for (const intake of Object.values(this.intakes)) await sekoiaIntakeProvider.delete!(intake.uuid, intake);
    return this.api.intakes.size;
  }

  async stop(): Promise<void> {
    await this.api.stop();
  }
}
