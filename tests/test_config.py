"""Where the tenant URL, the token and the tuning come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_ampeco.config import ClientSettings, load, settings_table
from pulumi_ampeco.errors import ConfigurationError

pytestmark = pytest.mark.quick

BASE = {"ampeco:tenantUrl": "tenant.example.com", "ampeco:apiToken": "t0k"}


def test_stack_config_wins_over_the_environment() -> None:
    cfg = load(
        {**BASE, "ampeco:maxRetries": "2"},
        {
            "AMPECO_TENANT_URL": "other.example.com",
            "AMPECO_MAX_RETRIES": "9",
            "AMPECO_READ_TIMEOUT_SECONDS": "5",
        },
    )
    assert cfg.tenant_url == "tenant.example.com"
    assert cfg.settings.max_retries == 2
    assert cfg.settings.read_timeout == 5.0


def test_environment_alone_is_enough() -> None:
    cfg = load(
        {},
        {
            "AMPECO_TENANT_URL": "t.example.com",
            "AMPECO_API_TOKEN": "abc",
            "AMPECO_REQUESTS_PER_MINUTE": "300",
            "AMPECO_ALLOW_INSECURE_HTTP": "yes",
        },
    )
    assert cfg.settings == ClientSettings(requests_per_minute=300, allow_insecure_http=True)


def test_defaults() -> None:
    assert load(BASE, {}).settings == ClientSettings()


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("ampeco:maxRetries", "-1", ["ampeco:maxRetries", "AMPECO_MAX_RETRIES", ">= 0"]),
        ("ampeco:readTimeoutSeconds", "soon", ["ampeco:readTimeoutSeconds"]),
        ("ampeco:allowInsecureHttp", "maybe", ["true or false"]),
        ("ampeco:requestsPerMinute", "1.5", ["ampeco:requestsPerMinute"]),
    ],
)
def test_bad_values_name_the_key(key: str, value: str, words: list[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load({**BASE, key: value}, {})
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("missing", "hint"),
    [
        ("ampeco:tenantUrl", "pulumi config set ampeco:tenantUrl"),
        ("ampeco:apiToken", "pulumi config set --secret ampeco:apiToken"),
    ],
)
def test_missing_url_or_token_says_how_to_set_it(missing: str, hint: str) -> None:
    config = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigurationError) as caught:
        load(config, {})
    assert hint in str(caught.value)
    assert "AMPECO_" in str(caught.value)


def test_the_token_is_not_shown() -> None:
    cfg = load(BASE, {})
    assert "t0k" not in repr(cfg) and "t0k" not in str(cfg)


def test_the_configuration_page_has_the_table() -> None:
    page = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert settings_table() in page
