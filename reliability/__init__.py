"""Long-running reliability checks (``make fuzz``, ``make soak``): not part of the package."""
