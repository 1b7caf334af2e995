# Kubernetes API requests: destructive deletes, exec into production, reading Secrets.
# Input: input.request {verb, group, version, resource, subresource, namespace, name, body}
# as documented in policies/README.md; the core group is "".
package portcullis.kube

import data.portcullis.identity

cfg := data.portcullis_config.kube

approvers := data.portcullis_config.groups.kube_approvers

ttl := data.portcullis_config.approval_ttl_seconds.kube

req := input.request

deletes if req.verb in {"delete", "deletecollection"}

reads if req.verb in {"get", "list", "watch"}

# exec and attach both run a shell in a container.
execs if req.subresource in {"exec", "attach"}

reads_secrets if {
	reads
	req.group == ""
	req.resource == "secrets"
}

production if input.connection.tags.env == "production"

production if req.namespace in cfg.production_namespaces

production if {
	some pattern in cfg.production_namespace_patterns
	glob.match(pattern, [], req.namespace)
}

# --- deny -----------------------------------------------------------------------------

# A request the front end could not fully read (e.g. a protobuf body) is decided on what
# could not be checked: denied, as for SQL and shell.
deny contains msg if {
	is_string(input.request.parse_error)
	msg := sprintf("Kubernetes request could not be parsed: %s", [input.request.parse_error])
}

deny contains "deleting namespaces is not allowed" if {
	deletes
	req.group == ""
	req.resource == "namespaces"
}

deny contains "deleting CustomResourceDefinitions is not allowed" if {
	deletes
	req.group == "apiextensions.k8s.io"
	req.resource == "customresourcedefinitions"
}

deny contains "agents may not exec into pods" if {
	identity.is_agent
	execs
}

deny contains "agents may not read Secrets" if {
	identity.is_agent
	reads_secrets
}

# --- approval -------------------------------------------------------------------------

approvals contains {"approvers": approvers, "min": 1, "reason": reason, "ttl_seconds": ttl} if {
	not identity.is_agent
	execs
	production
	reason := sprintf("%s into production namespace %s", [req.subresource, req.namespace])
}

approvals contains {"approvers": approvers, "min": 1, "reason": "reading Secrets", "ttl_seconds": ttl} if {
	not identity.is_agent
	reads_secrets
}
