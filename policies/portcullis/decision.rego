# The decision document the gateway enforces (entrypoint data.portcullis.decision):
# {allow, deny: [reason…], approval: {approvers, min, reason, ttl_seconds} | null,
#  mask: [{column | detector | pattern, method}…]}. Precedence: deny > approval > allow.
# Each protocol package contributes `deny` (strings) and `approvals` (requests); SQL
# also contributes `mask`. Anything unknown fails closed.
package portcullis

import data.portcullis.kube
import data.portcullis.shell
import data.portcullis.sql

protocols := {"postgres": "sql", "mysql": "sql", "ssh": "shell", "kube": "kube"}

protocol := protocols[input.connection.type]

deny contains reason if {
	protocol == "sql"
	some reason in sql.deny
}

deny contains reason if {
	protocol == "shell"
	some reason in shell.deny
}

deny contains reason if {
	protocol == "kube"
	some reason in kube.deny
}

deny contains "unknown connection type" if not protocol

approval_requests contains r if {
	protocol == "sql"
	some r in sql.approvals
}

approval_requests contains r if {
	protocol == "shell"
	some r in shell.approvals
}

approval_requests contains r if {
	protocol == "kube"
	some r in kube.approvals
}

# Several requests merge into one: any listed group may approve, the largest quorum and
# the shortest validity win, and every reason is shown to the approver.
default approval := null

approval := merged if {
	count(approval_requests) > 0
	merged := {
		"approvers": sort({a | some r in approval_requests; some a in r.approvers}),
		"min": max({r.min | some r in approval_requests}),
		"reason": concat("; ", sort({r.reason | some r in approval_requests})),
		"ttl_seconds": min({r.ttl_seconds | some r in approval_requests}),
	}
}

mask := [m | protocol == "sql"; some m in sql.mask]

decision := {"allow": allow, "deny": reasons, "approval": approval, "mask": mask} if reasons := sort(deny)

default allow := false

allow if count(deny) == 0
