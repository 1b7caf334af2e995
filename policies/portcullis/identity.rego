# Who is asking: helpers over input.identity shared by every protocol package.
package portcullis.identity

cfg := data.portcullis_config.groups

# Agents are flagged by the identity provider (input.identity.agent) or by group; either
# is enough, so a mislabelled token cannot escape the agent rules.
is_agent if input.identity.agent == true

is_agent if {
	some g in input.identity.groups
	g in cfg.agents
}

# Members of these groups see PII unmasked; never agents, whatever their groups.
unmasked if {
	not is_agent
	some g in input.identity.groups
	g in cfg.unmasked
}
