"""The Slack app manifest in the repo asks for what the app uses, and only that."""

from __future__ import annotations

from pathlib import Path

import yaml

from cortex.slack.server import EVENTS_PATH

MANIFEST = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml").read_text("utf-8")
)


def test_the_manifest_subscribes_to_mentions_dms_and_thread_replies() -> None:
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.channels", "message.groups", "message.im"}


def test_the_manifest_has_the_scopes_of_every_web_api_method_the_app_calls() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needed = {
        "app_mentions:read",  # app_mention events
        "channels:history",
        "groups:history",
        "im:history",  # message events
        "chat:write",  # chat.postMessage, chat.update, chat.postEphemeral
        "commands",  # /cortex
        "files:write",  # files.getUploadURLExternal, files.completeUploadExternal
        "users:read",  # users.info
        "users:read.email",  # users.lookupByEmail (digests: metric owners)
        "im:write",  # conversations.open (digests to people)
        "usergroups:read",  # usergroups.users.list
    }
    assert scopes == needed


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
