package portcullis.identity_test

import data.portcullis.identity

test_agent_by_flag if identity.is_agent with input.identity as {"agent": true, "groups": []}

test_agent_by_group if identity.is_agent with input.identity as {"agent": false, "groups": ["agents"]}

test_person_is_not_agent if not identity.is_agent with input.identity as {"agent": false, "groups": ["sre"]}

test_unmasked_group if identity.unmasked with input.identity as {"agent": false, "groups": ["pii-readers"]}

test_agent_never_unmasked if not identity.unmasked with input.identity as {"agent": true, "groups": ["pii-readers"]}

test_groups_are_data_driven if {
	identity.is_agent with input.identity as {"groups": ["bots"]} with data.portcullis_config.groups.agents as ["bots"]
}
