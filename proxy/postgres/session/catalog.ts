/**
 * Masking needs to know what a result column *is*: RowDescription gives each column a table
 * OID and attribute number (0 for computed columns) and a type OID. This stage turns them
 * into the masking core's `ColumnInfo` (`schema.table.column` + kind).
 *
 * Names come from the upstream catalog over a separate short-lived connection (the session's
 * own upstream connection is busy streaming the very result being described), as the
 * gateway's upstream user, and are cached per table OID for the session. A table renamed
 * during a session keeps its old name here until the session ends: rules naming the old
 * name still apply, which errs on the side of masking.
 */
import pg from "pg";
import type { ColumnInfo, ColumnKind } from "../../core/masking/index.js";
import type { FieldDescription } from "../codec/index.js";
import type { UpstreamConfig } from "./types.js";

/** Type OIDs (pg_type.h) by masking kind; domains arrive as their base type. */
const KIND_BY_OID = new Map<number, ColumnKind>([
  ...[25, 1043, 1042, 19, 18, 705].map((o) => [o, "text"] as const),
  ...[20, 21, 23, 26, 700, 701, 1700, 790].map((o) => [o, "number"] as const),
  [16, "boolean"],
  ...[1082, 1083, 1114, 1184, 1186, 1266].map((o) => [o, "date/time"] as const),
  [114, "json"],
  [3802, "json"],
  [17, "bytes"],
]);

export function kindOfType(typeOid: number): ColumnKind {
  return KIND_BY_OID.get(typeOid) ?? "other";
}

/** Resolves RowDescription fields; one per session. */
export class Catalog {
  /** table OID → attribute number → `schema.table.column` (absent: dropped or unknown). */
  private readonly tables = new Map<number, Map<number, string>>();

  constructor(
    private readonly upstream: UpstreamConfig,
    private readonly database: string,
  ) {}

  /** Whether `columns` can be answered from the cache alone (no lookup needed). */
  cached(fields: readonly FieldDescription[]): boolean {
    return fields.every((f) => f.tableOid === 0 || this.tables.has(f.tableOid));
  }

  /** The fields as the masker sees them; rejects only when the catalog cannot be read. */
  async columns(fields: readonly FieldDescription[]): Promise<ColumnInfo[]> {
    if (!this.cached(fields)) await this.load([...new Set(fields.filter((f) => f.tableOid !== 0 && !this.tables.has(f.tableOid)).map((f) => f.tableOid))]);
    return this.columnsCached(fields);
  }

  columnsCached(fields: readonly FieldDescription[]): ColumnInfo[] {
    return fields.map((f) => {
      const qualifiedName = f.tableOid === 0 ? undefined : this.tables.get(f.tableOid)?.get(f.columnAttr);
      const c: ColumnInfo = { name: f.name, kind: kindOfType(f.typeOid) };
      if (qualifiedName !== undefined) c.qualifiedName = qualifiedName;
      return c;
    });
  }

  private async load(oids: number[]): Promise<void> {
    const u = this.upstream;
    const client = new pg.Client({
      host: u.host,
      port: u.port,
      user: u.user,
      password: u.password,
      database: this.database,
      connectionTimeoutMillis: u.connectTimeoutMs ?? 10_000,
      ssl: u.tls === undefined || u.tls === "disable" ? false : u.tls === "require" ? { rejectUnauthorized: false } : { ca: u.ca, rejectUnauthorized: true },
      application_name: "portcullis-catalog",
    });
    // A connection error after connect() must not become an unhandled 'error' event.
    client.on("error", () => {});
    try {
      await client.connect();
      const r = await client.query<{ oid: number; attnum: number; nspname: string; relname: string; attname: string }>(
        `SELECT c.oid::int8::float8 AS oid, a.attnum, n.nspname, c.relname, a.attname
           FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE c.oid = ANY($1::oid[])`,
        [oids],
      );
      for (const oid of oids) this.tables.set(oid, new Map());
      for (const row of r.rows) this.tables.get(Number(row.oid))?.set(row.attnum, `${row.nspname}.${row.relname}.${row.attname}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
