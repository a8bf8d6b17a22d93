"""kefu assistant: settings, shop database, tools, agent and command line."""
