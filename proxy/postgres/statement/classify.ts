/**
 * Stage 2 of the describer: a statement node → its `kind` and the fields specific to that
 * kind (object type, transaction kind, COPY direction and program, SET targets, …).
 * Unknown node types still get a kind (the node name in snake case), never "unknown",
 * so that policies can match on new statement types without a code change here.
 */
import { fieldsOf, nodeOf, objectTypeWord, snake, str } from "./names.js";
import type { Node } from "./parser.js";
import type { SqlStatement } from "./types.js";

export type Classification = Pick<SqlStatement, "kind"> & Partial<Omit<SqlStatement, "kind" | "tables_read" | "tables_written" | "columns" | "functions" | "nested" | "text">>;

/** Node types → kind, where the name alone decides it. */
const SIMPLE: Record<string, string> = {
  SelectStmt: "select",
  InsertStmt: "insert",
  UpdateStmt: "update",
  DeleteStmt: "delete",
  MergeStmt: "merge",
  TruncateStmt: "truncate",
  CopyStmt: "copy",
  VariableShowStmt: "show",
  CallStmt: "call",
  DoStmt: "do",
  ExplainStmt: "explain",
  PrepareStmt: "prepare",
  ExecuteStmt: "execute",
  DeallocateStmt: "deallocate",
  ListenStmt: "listen",
  UnlistenStmt: "unlisten",
  NotifyStmt: "notify",
  LockStmt: "lock",
  AlterSystemStmt: "alter_system",
  DropStmt: "drop",
  RefreshMatViewStmt: "refresh_materialized_view",
  DeclareCursorStmt: "declare_cursor",
  ClosePortalStmt: "close_cursor",
  FetchStmt: "fetch",
  CreatedbStmt: "create_database",
  DropdbStmt: "drop",
  DropRoleStmt: "drop",
  DropOwnedStmt: "drop",
  DropTableSpaceStmt: "drop",
  DropSubscriptionStmt: "drop",
  DropUserMappingStmt: "drop",
  CreateTableAsStmt: "create_table",
  ViewStmt: "create_view",
  IndexStmt: "create_index",
  CreateSeqStmt: "create_sequence",
  AlterSeqStmt: "alter_sequence",
  CreateTrigStmt: "create_trigger",
  CreatePLangStmt: "create_language",
  RuleStmt: "create_rule",
  CreateStmt: "create_table",
  CreateForeignTableStmt: "create_foreign_table",
  CreateRoleStmt: "create_role",
  AlterRoleStmt: "alter_role",
  AlterRoleSetStmt: "alter_role",
  AlterDatabaseStmt: "alter_database",
  AlterDatabaseSetStmt: "alter_database",
  AlterDefaultPrivilegesStmt: "alter_default_privileges",
  GrantRoleStmt: "grant_role",
  CheckPointStmt: "checkpoint",
  CompositeTypeStmt: "create_type",
};

/** Drop statements that are not DropStmt, with the object type they drop. */
const DROP_OBJECT: Record<string, string> = {
  DropdbStmt: "database",
  DropRoleStmt: "role",
  DropOwnedStmt: "owned",
  DropTableSpaceStmt: "tablespace",
  DropSubscriptionStmt: "subscription",
  DropUserMappingStmt: "user_mapping",
};

const TRANSACTION_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: "begin",
  TRANS_STMT_START: "start",
  TRANS_STMT_COMMIT: "commit",
  TRANS_STMT_ROLLBACK: "rollback",
  TRANS_STMT_SAVEPOINT: "savepoint",
  TRANS_STMT_RELEASE: "release",
  TRANS_STMT_ROLLBACK_TO: "rollback_to",
  TRANS_STMT_PREPARE: "prepare",
  TRANS_STMT_COMMIT_PREPARED: "commit_prepared",
  TRANS_STMT_ROLLBACK_PREPARED: "rollback_prepared",
};

/** The text of a constant (A_Const) or a list of them, for SET values. */
export function constText(n: unknown): string | null {
  if (Array.isArray(n)) {
    const parts = n.map(constText);
    return parts.every((p) => p !== null) ? parts.join(", ") : null;
  }
  const c = fieldsOf(n, "A_Const");
  if (!c) return null;
  for (const [k, inner] of [["sval", "sval"], ["ival", "ival"], ["fval", "fval"], ["boolval", "boolval"], ["bsval", "bsval"]] as const) {
    const box = c[k] as Node | undefined;
    if (box && typeof box === "object") return String(box[inner] ?? (k === "ival" ? 0 : k === "boolval" ? false : ""));
  }
  return null;
}

function variableSet(f: Node): Classification {
  const name = str(f.name) ?? null;
  const setKind = str(f.kind);
  const isLocal = f.is_local === true;
  const value = setKind === "VAR_SET_VALUE" ? constText(f.args) : null;
  if (name === "role" || name === "session_authorization") {
    return { kind: name === "role" ? "set_role" : "set_session_authorization", target: value === "none" ? null : value, is_local: isLocal };
  }
  if (setKind === "VAR_RESET" || setKind === "VAR_RESET_ALL") return { kind: "reset", name: setKind === "VAR_RESET_ALL" ? "all" : name };
  if (name === "TRANSACTION" || name === "SESSION CHARACTERISTICS") return { kind: "set", name: name.toLowerCase(), value: null, is_local: isLocal };
  return { kind: "set", name, value, is_local: isLocal };
}

export function classify(stmt: Node): Classification {
  const node = nodeOf(stmt);
  if (!node) return { kind: "unknown" };
  const [type, f] = node;
  switch (type) {
    case "TransactionStmt":
      return { kind: "transaction", transaction_kind: TRANSACTION_KINDS[str(f.kind) ?? ""] ?? snake(str(f.kind) ?? "unknown") };
    case "VariableSetStmt":
      return variableSet(f);
    case "VariableShowStmt":
      return { kind: "show", name: str(f.name) ?? null };
    case "AlterSystemStmt": {
      const set = (f.setstmt ?? {}) as Node;
      return { kind: "alter_system", name: str(set.name) ?? null, value: str(set.kind) === "VAR_SET_VALUE" ? constText(set.args) : null };
    }
    case "CopyStmt": {
      const c: Classification = { kind: "copy", direction: f.is_from === true ? "from" : "to" };
      const file = str(f.filename);
      if (file !== undefined) {
        if (f.is_program === true) c.program = file;
        else c.filename = file;
      }
      return c;
    }
    case "ExplainStmt": {
      const analyze = (Array.isArray(f.options) ? f.options : []).some((o) => {
        const d = fieldsOf(o, "DefElem");
        if (str(d?.defname) !== "analyze") return false;
        // EXPLAIN (ANALYZE false) is an explicit no; a bare ANALYZE has no argument.
        const arg = d!.arg;
        const text = arg === undefined ? "true" : (str(fieldsOf(arg, "String")?.sval) ?? constText(arg) ?? String(fieldsOf(arg, "Boolean")?.boolval ?? "true"));
        return !["false", "off", "0"].includes(text.toLowerCase());
      });
      return { kind: "explain", analyze };
    }
    case "PrepareStmt":
    case "ExecuteStmt":
      return { kind: SIMPLE[type]!, name: str(f.name) ?? null };
    case "DeallocateStmt":
      return { kind: "deallocate", name: str(f.name) ?? null };
    case "ListenStmt":
    case "UnlistenStmt":
    case "NotifyStmt":
      return { kind: SIMPLE[type]!, name: str(f.conditionname) ?? null };
    case "VacuumStmt":
      return { kind: f.is_vacuumcmd === true ? "vacuum" : "analyze" };
    case "GrantStmt":
      return { kind: f.is_grant === true ? "grant" : "revoke", object_type: objectTypeWord(f.objtype) };
    case "GrantRoleStmt":
      return { kind: f.is_grant === true ? "grant_role" : "revoke_role", object_type: "role" };
    case "DropStmt":
      return { kind: "drop", object_type: objectTypeWord(f.removeType) };
    case "CreateTableAsStmt": {
      const objectType = objectTypeWord(f.objtype);
      return { kind: `create_${objectType}`, object_type: objectType };
    }
    case "CreateFunctionStmt": {
      const objectType = f.is_procedure === true ? "procedure" : "function";
      return { kind: `create_${objectType}`, object_type: objectType };
    }
    case "AlterTableStmt":
    case "AlterFunctionStmt": {
      const objectType = objectTypeWord(f.objtype ?? (type === "AlterFunctionStmt" ? "OBJECT_FUNCTION" : "OBJECT_TABLE"));
      return { kind: `alter_${objectType}`, object_type: objectType };
    }
    case "RenameStmt":
    case "AlterOwnerStmt":
    case "AlterObjectSchemaStmt":
    case "AlterObjectDependsStmt": {
      const objectType = objectTypeWord(f.renameType ?? f.objectType);
      return { kind: `alter_${objectType}`, object_type: objectType };
    }
    case "CommentStmt":
    case "SecLabelStmt":
      return { kind: type === "CommentStmt" ? "comment" : "security_label", object_type: objectTypeWord(f.objtype) };
    case "DefineStmt": {
      // CREATE AGGREGATE / OPERATOR / TYPE / COLLATION / TEXT SEARCH …
      const objectType = objectTypeWord(f.kind);
      return { kind: `create_${objectType}`, object_type: objectType };
    }
  }
  const drop = DROP_OBJECT[type];
  if (drop !== undefined) return { kind: "drop", object_type: drop };
  const simple = SIMPLE[type];
  const kind = simple ?? snake(type.replace(/Stmt$/, ""));
  const ddl = /^(create|alter)_(.+)$/.exec(kind);
  return ddl ? { kind, object_type: ddl[2]! } : { kind };
}
