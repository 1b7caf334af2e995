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
      const names = await readNames(client, oids);
      // A view's column is named by the base column it shows, when it shows one plainly.
      let views = [...names.views.keys()];
      for (let depth = 0; views.length > 0 && depth < 8; depth++) {
        const origins = new Set<number>();
        for (const v of views) for (const o of names.views.get(v)!.values()) if (!names.columns.has(o.table)) origins.add(o.table);
        if (origins.size === 0) break;
        const more = await readNames(client, [...origins]);
        for (const [k, v] of more.columns) names.columns.set(k, v);
        for (const [k, v] of more.views) names.views.set(k, v);
        views = [...more.views.keys()];
      }
      const resolve = (table: number, attnum: number, depth = 0): string | undefined => {
        const origin = names.views.get(table)?.get(attnum);
        if (origin !== undefined && depth < 8) return resolve(origin.table, origin.column, depth + 1) ?? names.columns.get(table)?.get(attnum);
        return names.columns.get(table)?.get(attnum);
      };
      for (const oid of oids) {
        const m = new Map<number, string>();
        for (const attnum of names.columns.get(oid)?.keys() ?? []) m.set(attnum, resolve(oid, attnum)!);
        this.tables.set(oid, m);
      }
    } finally {
      await client.end().catch(() => {});
    }
  }
}

interface Names {
  /** table OID → attnum → `schema.table.column`. */
  columns: Map<number, Map<number, string>>;
  /** view OID → its attnum → the base column its `_RETURN` rule reports (`resorigtbl`/`resorigcol`). */
  views: Map<number, Map<number, { table: number; column: number }>>;
}

async function readNames(client: pg.Client, oids: number[]): Promise<Names> {
  const r = await client.query<{ oid: number; attnum: number; nspname: string; relname: string; attname: string; relkind: string }>(
    `SELECT c.oid::int8::float8 AS oid, a.attnum, n.nspname, c.relname, a.attname, c.relkind
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.oid = ANY($1::oid[])`,
    [oids],
  );
  const names: Names = { columns: new Map(), views: new Map() };
  const viewOids = new Set<number>();
  for (const row of r.rows) {
    const oid = Number(row.oid);
    if (!names.columns.has(oid)) names.columns.set(oid, new Map());
    names.columns.get(oid)!.set(row.attnum, `${row.nspname}.${row.relname}.${row.attname}`);
    if (row.relkind === "v" || row.relkind === "m") viewOids.add(oid);
  }
  if (viewOids.size === 0) return names;
  const rules = await client.query<{ oid: number; action: string }>(
    `SELECT ev_class::int8::float8 AS oid, ev_action::text AS action FROM pg_catalog.pg_rewrite WHERE ev_class = ANY($1::oid[]) AND rulename = '_RETURN'`,
    [[...viewOids]],
  );
  for (const row of rules.rows) names.views.set(Number(row.oid), viewOrigins(row.action));
  return names;
}

/**
 * The origin of each output column of a view's stored query, read from its node tree
 * (`:resno n … :resorigtbl t :resorigcol c` in each TARGETENTRY); 0 means computed.
 */
export function viewOrigins(action: string): Map<number, { table: number; column: number }> {
  const out = new Map<number, { table: number; column: number }>();
  // Only the outermost query's target list matters; it is the first `:targetList` in the tree.
  const re = /\{TARGETENTRY :expr .*?:resno (\d+) :resname (?:\\.|[^\s\\])+ :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+) :resjunk (true|false)\}/gs;
  for (const m of action.matchAll(re)) {
    const resno = Number(m[1]);
    if (out.has(resno) || m[4] === "true") continue;
    if (Number(m[2]) !== 0) out.set(resno, { table: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}
