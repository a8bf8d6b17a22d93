"""The simulation harness: τ²-format tasks, simulated shoppers, scoring by final database state, pass^k."""


def harness_settings(settings):
    """The settings an evaluation runs the agent with: τ²'s tasks identify their shoppers by email, or name and zip
    code, alone (`KEFU_IDENTITY=tau2`), since their simulated shoppers have no inbox to read a code from."""
    return settings.model_copy(update={"identity": "tau2"})
