"""Pure Block Kit builders: data in, JSON-ready dicts out. No I/O."""
