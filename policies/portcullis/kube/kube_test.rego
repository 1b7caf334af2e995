package portcullis.kube_test

import data.portcullis.kube

person := {"sub": "u-1", "groups": ["engineering"], "agent": false}

agent := {"sub": "agent-1", "groups": ["agents"], "agent": true}

# A request as the kube front end builds it from the URL (core group is "").
kreq(verb, group, resource, subresource, namespace) := {
	"verb": verb, "group": group, "version": "v1", "resource": resource,
	"subresource": subresource, "namespace": namespace, "name": "x", "body": null,
}

on(r, who, env) := {
	"identity": who,
	"connection": {"name": "cluster", "type": "kube", "tags": {"env": env}},
	"request": r,
}

test_get_pods_clean if {
	r := kreq("get", "", "pods", "", "default")
	count(kube.deny) == 0 with input as on(r, person, "staging")
	count(kube.approvals) == 0 with input as on(r, person, "staging")
}

test_delete_namespace_denied if {
	r := kreq("delete", "", "namespaces", "", "")
	kube.deny == {"deleting namespaces is not allowed"} with input as on(r, person, "staging")
	"deleting namespaces is not allowed" in kube.deny with input as on(kreq("deletecollection", "", "namespaces", "", ""), person, "staging")
}

test_delete_crd_denied if {
	r := kreq("delete", "apiextensions.k8s.io", "customresourcedefinitions", "", "")
	kube.deny == {"deleting CustomResourceDefinitions is not allowed"} with input as on(r, person, "staging")
}

test_delete_pod_allowed if {
	count(kube.deny) == 0 with input as on(kreq("delete", "", "pods", "", "default"), person, "production")
}

test_exec_into_production_namespace_needs_sre if {
	r := kreq("create", "", "pods", "exec", "production")
	kube.approvals == {{"approvers": ["sre"], "min": 1, "reason": "exec into production namespace production", "ttl_seconds": 900}} with input as on(r, person, "staging")
}

test_exec_production_by_pattern_or_cluster_tag if {
	count(kube.approvals) == 1 with input as on(kreq("create", "", "pods", "exec", "prod-payments"), person, "staging")
	count(kube.approvals) == 1 with input as on(kreq("create", "", "pods", "attach", "web"), person, "production")
	count(kube.approvals) == 0 with input as on(kreq("create", "", "pods", "exec", "dev-web"), person, "staging")
}

test_reading_secrets_needs_approval if {
	r := kreq("get", "", "secrets", "", "default")
	kube.approvals == {{"approvers": ["sre"], "min": 1, "reason": "reading Secrets", "ttl_seconds": 900}} with input as on(r, person, "staging")
	count(kube.approvals) == 0 with input as on(kreq("create", "", "secrets", "", "default"), person, "staging")
}

test_agents_never_exec if {
	r := kreq("create", "", "pods", "exec", "dev-web")
	kube.deny == {"agents may not exec into pods"} with input as on(r, agent, "staging")
	count(kube.approvals) == 0 with input as on(r, agent, "staging")
}

test_agents_never_read_secrets if {
	r := kreq("list", "", "secrets", "", "default")
	kube.deny == {"agents may not read Secrets"} with input as on(r, agent, "staging")
}

test_unparseable_request_denied if {
	r := object.union(kreq("create", "", "secrets", "", "default"), {"parse_error": "protobuf body: only metadata could be read"})
	"Kubernetes request could not be parsed: protobuf body: only metadata could be read" in kube.deny with input as on(r, person, "staging")
	count(kube.deny) == 0 with input as on(object.union(kreq("get", "", "pods", "", "default"), {"parse_error": null}), person, "staging")
}
