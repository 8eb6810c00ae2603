"""The MCP edge (the official mcp SDK)."""
