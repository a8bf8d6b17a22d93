"""The shop: record shapes, τ²-bench import/export and the demo shop."""
