"""The Slack app manifest in the repo asks for what the app uses: every Web API method the code
calls has its scope, every scope is there for a reason, and the AI app is declared (the
assistant view, its events, the Home tab).

The methods are read from the code, not listed by hand: every call in cortex/ of a `WebClient`
method (`client.chat_postMessage(...)`; `files_upload_v2` and other helpers by the methods they
call), of bolt's `say` and of the `Assistant` utilities (`set_status`, ...). `SCOPES` says which
scope each Web API method needs, from Slack's reference pages (docs.slack.dev/reference/methods).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml
from slack_sdk import WebClient

from cortex.slack.server import EVENTS_PATH

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yml").read_text("utf-8"))

#: Web API method -> the bot scopes it needs (any one of a tuple; none: needs no scope).
SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.startStream": ("chat:write",),
    "chat.appendStream": ("chat:write",),
    "chat.stopStream": ("chat:write",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "views.open": (),
    "views.update": (),
    "views.push": (),
    "views.publish": (),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.users.list": ("usergroups:read",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.open": ("im:write",),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "assistant.threads.setStatus": ("assistant:write",),
    "assistant.threads.setSuggestedPrompts": ("assistant:write",),
    "assistant.threads.setTitle": ("assistant:write",),
}
#: Calls that are not `WebClient` methods, by the Web API methods they make.
HELPERS: dict[str, tuple[str, ...]] = {
    "say": ("chat.postMessage",),  # bolt's say()
    "set_status": ("assistant.threads.setStatus",),  # bolt's Assistant utilities
    "set_suggested_prompts": ("assistant.threads.setSuggestedPrompts",),
    "set_title": ("assistant.threads.setTitle",),
    "chat_stream": ("chat.startStream", "chat.appendStream", "chat.stopStream"),
}
#: Event -> the scope its subscription needs.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_mention": ("app_mentions:read",),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "message.mpim": ("mpim:history",),
    "app_home_opened": (),
    "assistant_thread_started": ("assistant:write",),
    "assistant_thread_context_changed": ("assistant:write",),
}
#: Scopes declared for what the code reads another way: /cortex, and the people behind access
#: (conversations.members for channel-aware disclosure; email to match people to access.yml).
DECLARED_FOR: dict[str, str] = {
    "commands": "/cortex",
    "users:read.email": "matching a person to access.yml and digests by email",
    "channels:read": "conversations.members in public channels",
    "groups:read": "conversations.members in private channels",
    "im:read": "conversations.members in DMs",
    "mpim:read": "conversations.members in group DMs",
}


@cache
def api_methods(name: str) -> frozenset[str]:
    """The Web API methods a `WebClient` method makes: its own `api_call`, and those of the
    methods it calls (`files_upload_v2` -> getUploadURLExternal, completeUploadExternal)."""
    if name in HELPERS:
        return frozenset(HELPERS[name])
    method = getattr(WebClient, name, None)
    if method is None or not callable(method) or name.startswith("_") or name == "api_call":
        return frozenset()
    source = inspect.getsource(method)
    made = set(re.findall(r'api_call\(\s*"([\w.]+)"', source))
    for called in re.findall(r"self\.(\w+)\(", source):
        if called != name:
            made |= api_methods(called)
    return frozenset(made)


def calls_in_code() -> Iterator[tuple[str, str]]:
    """(where, Web API method) of every Slack call in cortex/."""
    for path in sorted((ROOT / "cortex").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            for method in api_methods(name):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", method


def declared_scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_the_code_calls_slack_and_the_reader_finds_it() -> None:
    methods = {method for _, method in calls_in_code()}
    assert {"chat.postMessage", "chat.update", "files.completeUploadExternal"} <= methods
    assert api_methods("files_upload_v2") == {
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }


def test_the_manifest_has_the_scope_of_every_web_api_method_the_code_calls() -> None:
    scopes = declared_scopes()
    for where, method in calls_in_code():
        assert method in SCOPES, f"{where} calls {method}: add its scope to SCOPES in this test"
        needed = SCOPES[method]
        assert not needed or set(needed) & scopes, f"{where} calls {method}, which needs {needed}"


def test_every_scope_the_manifest_asks_for_is_used() -> None:
    used = {s for _, method in calls_in_code() for s in SCOPES.get(method, ())}
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    used |= {s for event in events for s in EVENT_SCOPES[event]}
    assert declared_scopes() - used - set(DECLARED_FOR) == set()


def test_the_manifest_declares_cortex_an_ai_app_with_a_home_tab() -> None:
    features = MANIFEST["features"]
    view = features["assistant_view"]
    assert view["assistant_description"].strip()
    prompts = view["suggested_prompts"]
    assert 1 <= len(prompts) <= 4 and all(p["title"] and p["message"] for p in prompts)
    assert features["app_home"]["home_tab_enabled"] is True
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {"assistant_thread_started", "assistant_thread_context_changed"} <= events
    assert {"app_home_opened", "app_mention", "message.im"} <= events
    assert events <= set(EVENT_SCOPES), f"unknown events: {events - set(EVENT_SCOPES)}"
    wanted = {"assistant:write", "chat:write", "files:write", "users:read", "users:read.email"}
    wanted |= {"channels:read", "groups:read", "im:read", "mpim:read"}
    assert wanted <= declared_scopes()


def test_every_request_url_is_the_events_path_and_the_command_is_cortex() -> None:
    settings = MANIFEST["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    (command,) = MANIFEST["features"]["slash_commands"]
    urls.append(command["url"])
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert command["command"] == "/cortex" and settings["interactivity"]["is_enabled"] is True
