"""Agent hooks: installed into each agent's settings (install) and run by it (the
runtime)."""
