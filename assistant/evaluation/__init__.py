"""The simulation harness: τ²-format tasks, simulated shoppers, scoring by final database state, pass^k."""
