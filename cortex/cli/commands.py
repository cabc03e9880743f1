"""The typer application of the `cortex` command line.

This module builds the typer `app` from the command modules, one per command group: `catalog`
(check, metrics), `query`, `ask` (ask, chat), `evaluate` (eval), `audit`, `demo` (demo build, demo
export), `serve` (serve slack, serve web, serve mcp), `mcp_tokens` (mcp token create, list,
revoke), `skill` (skill list, skill run), `context` (context sync), `digest` (digest list, run,
serve) and `model` (model import dbt|snowflake, model export dbt|snowflake|osi). They share
`environment` (settings and the warehouse), `errors` (failures as one `Error:` line and a `Hint:`,
option checks), `render` (what the terminal shows) and `payload` (the JSON of `--json`).
"""

from __future__ import annotations

import typer

from cortex.cli import (
    ask,
    audit,
    catalog,
    context,
    demo,
    digest,
    evaluate,
    mcp_tokens,
    model,
    query,
    serve,
    skill,
)

app = typer.Typer(
    name="cortex",
    help="Cortex: governed answers to business questions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
demo_app = typer.Typer(help="The demo company (a helpdesk SaaS for e-commerce brands).")
app.add_typer(demo_app, name="demo")
demo_app.command("build")(demo.demo_build)
demo_app.command("export")(demo.demo_export)

app.command()(catalog.check)
app.command()(catalog.metrics)
app.command()(query.query)
app.command()(ask.ask)
app.command()(ask.chat)
app.command("eval")(evaluate.evaluate)

serve_app = typer.Typer(help="Run Cortex as a service.")
app.add_typer(serve_app, name="serve")
serve_app.command("slack")(serve.serve_slack)
serve_app.command("web")(serve.serve_web)
serve_app.command("mcp")(serve.serve_mcp)

mcp_app = typer.Typer(help="The MCP server's bearer tokens (for `cortex serve mcp --http`).")
app.add_typer(mcp_app, name="mcp")
mcp_token_app = typer.Typer(help="Issue, list and revoke a person's MCP token.")
mcp_app.add_typer(mcp_token_app, name="token")
mcp_token_app.command("create")(mcp_tokens.token_create)
mcp_token_app.command("list")(mcp_tokens.token_list)
mcp_token_app.command("revoke")(mcp_tokens.token_revoke)

app.command("audit")(audit.audit)

skill_app = typer.Typer(help="Skills: Notion pages, Linear tasks, reports, briefs, OKR status.")
app.add_typer(skill_app, name="skill")
skill_app.command("list")(skill.skill_list)
skill_app.command("run")(skill.skill_run)

context_app = typer.Typer(help="The business context: documents pulled from where they are kept.")
app.add_typer(context_app, name="context")
context_app.command("sync")(context.context_sync)

digest_app = typer.Typer(help="Signal digests (digests.yml): list, run once, or serve on schedule.")
app.add_typer(digest_app, name="digest")
digest_app.command("list")(digest.digest_list)
digest_app.command("run")(digest.digest_run)
digest_app.command("serve")(digest.digest_serve)

model_app = typer.Typer(help="The model travels: import from and export to dbt, Snowflake, OSI.")
app.add_typer(model_app, name="model")
model_import_app = typer.Typer(help="Write a metrics.yml from another tool's semantic model.")
model_app.add_typer(model_import_app, name="import")
model_import_app.command("dbt")(model.import_dbt_command)
model_import_app.command("snowflake")(model.import_snowflake_command)
model_app.command("export")(model.export_command)
