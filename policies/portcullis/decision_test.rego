package portcullis.decision_test

import data.portcullis

person := {"sub": "u-1", "groups": ["engineering"], "agent": false}

stmt(kind, has_where) := {
	"kind": kind, "tables_read": ["public.orders"], "tables_written": [], "columns": ["public.orders.total"],
	"functions": [], "has_where": has_where, "nested": [],
}

sql_input(type, statements, env) := {
	"identity": person,
	"connection": {"name": "db", "type": type, "tags": {"env": env}},
	"request": {"sql": "…", "statements": statements, "params": []},
}

secret_masks := [
	{"method": "hash", "detector": "email"},
	{"method": "last4", "detector": "credit_card"},
	{"method": "redact", "detector": "us_ssn"},
	{"method": "last4", "detector": "iban"},
]

test_allowed_select if {
	d := portcullis.decision with input as sql_input("postgres", [stmt("select", true)], "staging")
	d.allow == true
	d.deny == []
	d.approval == null
	count(d.mask) == 6
	every m in secret_masks { m in d.mask }
}

test_denied_drop_on_mysql if {
	d := portcullis.decision with input as sql_input("mysql", [stmt("drop_table", true)], "staging")
	d.allow == false
	d.deny == ["DROP TABLE statements are not allowed"]
}

test_approval_merges_requests if {
	statements := [stmt("delete", false), stmt("create_index", true)]
	d := portcullis.decision with input as sql_input("postgres", statements, "production")
	d.allow == true
	d.approval == {
		"approvers": ["dba"], "min": 1,
		"reason": "CREATE INDEX on a production connection; DELETE without WHERE",
		"ttl_seconds": 3600,
	}
}

test_approval_merge_takes_strictest if {
	reqs := {
		{"approvers": ["sre"], "min": 1, "reason": "b", "ttl_seconds": 900},
		{"approvers": ["dba"], "min": 2, "reason": "a", "ttl_seconds": 3600},
	}
	a := portcullis.approval with portcullis.approval_requests as reqs
	a == {"approvers": ["dba", "sre"], "min": 2, "reason": "a; b", "ttl_seconds": 900}
}

test_deny_and_approval_both_reported if {
	statements := [stmt("truncate", true), stmt("update", false)]
	d := portcullis.decision with input as sql_input("postgres", statements, "staging")
	d.allow == false
	d.deny == ["TRUNCATE statements are not allowed"]
	d.approval.reason == "UPDATE without WHERE"
}

test_shell_routed if {
	c := {"program": {"name": "rm", "path": null}, "args": ["-rf", "/"], "env": {}, "redirects": [], "wrappers": [], "pipes_to_shell": false}
	i := {"identity": person, "connection": {"type": "ssh", "tags": {}}, "request": {"command": "rm -rf /", "commands": [c]}}
	d := portcullis.decision with input as i
	d == {"allow": false, "deny": ["rm -r of / is not allowed"], "approval": null, "mask": []}
}

test_shell_sudo_approval if {
	c := {"program": {"name": "sudo", "path": null}, "args": ["-i"], "env": {}, "redirects": [], "wrappers": [], "pipes_to_shell": false}
	i := {"identity": person, "connection": {"type": "ssh", "tags": {}}, "request": {"command": "sudo -i", "commands": [c]}}
	d := portcullis.decision with input as i
	d.allow == true
	d.approval.approvers == ["sre"]
}

test_kube_routed if {
	r := {"verb": "delete", "group": "", "version": "v1", "resource": "namespaces", "subresource": "", "namespace": "", "name": "prod"}
	i := {"identity": person, "connection": {"type": "kube", "tags": {}}, "request": r}
	d := portcullis.decision with input as i
	d.deny == ["deleting namespaces is not allowed"]
}

test_kube_secret_approval if {
	r := {"verb": "get", "group": "", "version": "v1", "resource": "secrets", "subresource": "", "namespace": "default", "name": "db"}
	i := {"identity": person, "connection": {"type": "kube", "tags": {}}, "request": r}
	d := portcullis.decision with input as i
	d.approval.reason == "reading Secrets"
	d.mask == []
}

test_unknown_connection_fails_closed if {
	d := portcullis.decision with input as {"identity": person, "connection": {"type": "redis"}, "request": {}}
	d == {"allow": false, "deny": ["unknown connection type"], "approval": null, "mask": []}
}

test_missing_input_fails_closed if {
	d := portcullis.decision with input as {}
	d.allow == false
}

test_protocols_do_not_leak if {
	# A shell-shaped request on a SQL connection is judged by the SQL rules only.
	c := {"program": {"name": "rm", "path": null}, "args": ["-rf", "/"], "env": {}, "redirects": [], "wrappers": [], "pipes_to_shell": false}
	i := {"identity": person, "connection": {"type": "postgres", "tags": {}}, "request": {"statements": [], "commands": [c]}}
	d := portcullis.decision with input as i
	d.deny == []
}
