"""Model serving: fetching models, the shared tool-calling chat template, and the vLLM launcher."""
