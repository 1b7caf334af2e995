# SQL (postgres, mysql): what is denied, what needs a DBA's approval, what is masked.
# Input: input.request.statements[] as documented in policies/README.md; nested
# statements (CTE bodies, EXPLAIN targets, …) are listed flat in each statement's `nested`.
package portcullis.sql

import data.portcullis.identity

cfg := data.portcullis_config.sql

approvers := data.portcullis_config.groups.sql_approvers

ttl := data.portcullis_config.approval_ttl_seconds.sql

# Every statement of the request, top-level and nested.
statements contains s if some s in input.request.statements

statements contains n if {
	some s in input.request.statements
	some n in s.nested
}

# `DROP TABLE`, from the kind `drop_table`.
verb(kind) := v if v := upper(replace(kind, "_", " "))

is_ddl(kind) if {
	some prefix in {"create_", "alter_", "drop_"}
	startswith(kind, prefix)
}

is_ddl(kind) if kind in {"drop", "truncate", "rename", "comment"}

# Function names compared unqualified and case-insensitively (`pg_catalog.PG_READ_FILE`).
function_name(f) := name if {
	parts := split(f, ".")
	name := lower(parts[count(parts) - 1])
}

dangerous_function(name) if name in cfg.dangerous_functions

dangerous_function(name) if {
	some prefix in cfg.dangerous_function_prefixes
	startswith(name, prefix)
}

sensitive_table(table) if {
	some pattern in cfg.sensitive_tables
	glob.match(pattern, ["."], table)
}

production if input.connection.tags.env == "production"

# --- deny -----------------------------------------------------------------------------

deny contains msg if {
	is_string(input.request.parse_error)
	msg := sprintf("SQL could not be parsed: %s", [input.request.parse_error])
}

forbidden_kind(kind) if kind in {"drop", "truncate", "alter_system", "load_data"}

forbidden_kind(kind) if startswith(kind, "drop_")

deny contains msg if {
	some s in statements
	forbidden_kind(s.kind)
	msg := sprintf("%s statements are not allowed", [verb(s.kind)])
}

deny contains msg if {
	some s in statements
	some f in s.functions
	name := function_name(f)
	dangerous_function(name)
	msg := sprintf("function %s is not allowed", [name])
}

deny contains "COPY ... PROGRAM is not allowed" if {
	some s in statements
	s.kind == "copy"
	is_string(s.program)
}

deny contains "SELECT ... INTO OUTFILE/DUMPFILE is not allowed" if {
	some s in statements
	is_string(s.outfile)
}

deny contains msg if {
	identity.is_agent
	some s in statements
	some t in s.tables_written
	sensitive_table(t)
	msg := sprintf("agents may not write to the sensitive table %s", [t])
}

# --- approval -------------------------------------------------------------------------

request(reason) := {"approvers": approvers, "min": 1, "reason": reason, "ttl_seconds": ttl}

approvals contains r if {
	some s in statements
	s.kind in {"update", "delete"}
	not s.has_where
	r := request(sprintf("%s without WHERE", [verb(s.kind)]))
}

approvals contains r if {
	production
	some s in statements
	is_ddl(s.kind)
	r := request(sprintf("%s on a production connection", [verb(s.kind)]))
}

# Agents need a DBA for any schema change, wherever it runs.
approvals contains r if {
	identity.is_agent
	some s in statements
	is_ddl(s.kind)
	r := request(sprintf("%s by an agent", [verb(s.kind)]))
}

# --- masking --------------------------------------------------------------------------

column_name(col) := name if {
	parts := split(col, ".")
	name := lower(parts[count(parts) - 1])
}

mask contains {"column": col, "method": method} if {
	not identity.unmasked
	some s in statements
	some col in s.columns
	name := column_name(col)
	method := cfg.pii_columns[name]
}

# Values are also scanned, since columns are unknown for `SELECT *` or computed columns.
mask contains {"detector": d.detector, "method": d.method} if {
	not identity.unmasked
	count(statements) > 0
	some d in cfg.detectors
}

mask contains {"pattern": p.pattern, "method": p.method} if {
	count(statements) > 0
	some p in cfg.patterns
}
