"""Cortex for any MCP client (Claude Desktop, Cursor, ...): `cortex serve mcp`.

The governed metrics as MCP tools and resources, with the same access rules and audit trail as
Slack. The modules: `tools` (the tools' names, descriptions and input schemas, built from the
loaded model for each caller), `calls` (one call carried out as its caller and audited),
`rendering` (answers and results as Markdown and JSON, without SQL), `identity` (callers as
access.yml users), `tokens` (the HTTP bearer tokens, stored hashed) and `server` (the `mcp`
SDK's low-level server over stdio and streamable HTTP).

Named `mcp_server`, not `mcp`, so that `import mcp` always means the SDK.
"""
