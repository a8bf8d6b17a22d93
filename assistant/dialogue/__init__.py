"""The pieces of a shopper turn around the model: confirmation, grounding, guards, handoff and canned replies."""
