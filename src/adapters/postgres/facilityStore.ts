/** `datasource.facility` through any SqlQuery. */
import type { Facility, FacilityStore } from "../../runtime/ports.ts";
import { minorFromColumn, type SqlQuery } from "./sqlClient.ts";

export class SqlFacilityStore implements FacilityStore {
  constructor(private readonly sql: SqlQuery) {}

  async get(facilityId: string): Promise<Facility | null> {
    const { rows } = await this.sql.query<{ facility_limit: unknown; currency: string }>(
      "SELECT facility_limit, currency FROM datasource.facility WHERE facility_id = $1",
      [facilityId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return { facilityId, limitMinor: minorFromColumn(row.facility_limit), currency: row.currency };
  }

  async upsert(facility: Facility): Promise<void> {
    if (!Number.isSafeInteger(facility.limitMinor) || facility.limitMinor < 0) {
      throw new Error("invariant: a facility limit is a non-negative minor-unit integer");
    }
    await this.sql.query(
      `INSERT INTO datasource.facility (facility_id, facility_limit, currency, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (facility_id) DO UPDATE
       SET facility_limit = EXCLUDED.facility_limit, currency = EXCLUDED.currency, updated_at = now()`,
      [facility.facilityId, facility.limitMinor, facility.currency],
    );
  }
}
