"""What a user can type is documented: every CLI command and every setting is in the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from cortex.cli import app, demo_app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_appears_in_the_readme() -> None:
    commands = [
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    ]
    commands += [f"demo {c.name}" for c in demo_app.registered_commands]
    for command in commands:
        assert f"cortex {command}" in README, f"`cortex {command}` is not in README.md"


def test_every_setting_appears_in_the_readme() -> None:
    source = (ROOT / "cortex" / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'"(CORTEX_[A-Z_]+)"', source))
    assert variables
    for variable in sorted(variables):
        assert variable in README, f"{variable} is not documented in README.md"


def test_the_readmes_eval_figures_are_the_ones_ci_holds() -> None:
    # Each set's row (and the demo's sentence) quotes the share correct evals/figures.toml
    # holds: a figure moved in one place and not the other is caught here.
    figures = tomllib.loads((ROOT / "evals" / "figures.toml").read_text(encoding="utf-8"))
    demo = figures["demo.yml"]
    assert f"**{100 * demo['correct'] / demo['questions']:.1f} % answered correctly" in README
    for name, held in figures.items():
        if name == "demo.yml":
            continue
        row = next(line for line in README.splitlines() if f"`evals/{name}`" in line)
        share = 100 * held["correct"] / held["questions"]
        said = f"{share:.0f} %" if share == 100 else f"{share:.1f} %"
        assert said in row.rsplit("|", 2)[-2], (name, said, row)
