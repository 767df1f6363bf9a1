"""Configuration comes from a TOML file and the environment; secrets only from safe places."""

import os
from pathlib import Path

import pytest

from autotask_fn.config import load_config
from autotask_fn.errors import ConfigurationError

TOML = """
[autotask]
username = "api@example.com"
secret = "file-secret"

[fieldnation]
client_id = "cid"
environment = "production"

[store]
url = "/tmp/x.sqlite3"

[settings]
default_resource_id = 5
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "autotask-fn.toml"
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_file_values_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TOML), environ={})
    assert config.autotask.username == "api@example.com"
    assert config.autotask.secret == "file-secret"
    assert config.fieldnation.environment == "production"
    assert config.store_url == "/tmp/x.sqlite3"
    assert config.settings == {"default_resource_id": 5}


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {"AUTOTASK_FN_AT_SECRET": "env-secret", "AUTOTASK_FN_STORE": ":memory:"}
    config = load_config(write(tmp_path, TOML), environ=env)
    assert config.autotask.secret == "env-secret"
    assert config.store_url == ":memory:"


def test_config_path_can_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, TOML)
    config = load_config(environ={"AUTOTASK_FN_CONFIG": str(path)})
    assert config.source == path


def test_a_secret_in_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, TOML, mode=0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_config(path, environ={})


def test_a_shared_file_without_secrets_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, '[autotask]\nusername = "u@example.com"\n', mode=0o644)
    assert load_config(path, environ={}).autotask.username == "u@example.com"


def test_invalid_toml_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_config(write(tmp_path, "[autotask\n"), environ={})


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config(tmp_path / "nope.toml", environ={})


def test_missing_credentials_name_the_environment_variables() -> None:
    config = load_config(None, environ={})
    both = "AUTOTASK_FN_AT_USERNAME and AUTOTASK_FN_AT_SECRET"
    with pytest.raises(ConfigurationError, match=both):
        config.autotask.require()
    with pytest.raises(ConfigurationError, match="AUTOTASK_FN_FN_CLIENT_SECRET"):
        config.fieldnation.require()


def test_secrets_are_not_in_reprs(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TOML), environ={"AUTOTASK_FN_FN_PASSWORD": "pw-12345"})
    assert "file-secret" not in repr(config)
    assert "pw-12345" not in repr(config)


def test_nested_settings_tables_build_their_settings_objects() -> None:
    from autotask_fn.sync import ConnectorSettings
    from autotask_fn.sync.inbound_settings import InboundSettings

    settings = ConnectorSettings.from_mapping(
        {"webhook_secrets": ["s"], "inbound": {"type_of_work_id": 11}})
    assert isinstance(settings.inbound, InboundSettings)
    assert settings.inbound.type_of_work_id == 11


def test_an_inbound_field_map_from_toml_builds_inbound_fields() -> None:
    from autotask_fn.sync import ConnectorSettings
    from autotask_fn.sync.inbound_settings import InboundField

    settings = ConnectorSettings.from_mapping({"inbound": {"field_map": [
        {"udf": "SiteCode", "custom_field_id": 501}, {"udf": "Gate", "label": "Gate"}]}})
    assert settings.inbound.field_map == (InboundField("SiteCode", custom_field_id=501),
                                          InboundField("Gate", label="Gate"))


def test_base_url_needs_a_tenant_id_or_a_zone_url(tmp_path: Path) -> None:
    base = '[autotask]\nbase_url = "https://ws.example/ATServicesRest/"\n'
    with pytest.raises(ConfigurationError) as info:
        load_config(write(tmp_path, base), environ={}).autotask.require_tenant()
    assert "AUTOTASK_FN_AT_TENANT_ID" in str(info.value)
    assert "AUTOTASK_FN_AT_ZONE_URL" in str(info.value)
    by_file = load_config(write(tmp_path, base + "tenant_id = 123\n"), environ={})
    by_file.autotask.require_tenant()
    assert by_file.autotask.tenant_id == 123
    by_env = load_config(write(tmp_path, base), environ={"AUTOTASK_FN_AT_TENANT_ID": "456"})
    assert by_env.autotask.tenant_id == 456
    load_config(write(tmp_path, base + 'zone_url = "https://z.example/atservicesrest/"\n'),
                environ={}).autotask.require_tenant()


def test_without_base_url_zone_discovery_gives_the_tenant(tmp_path: Path) -> None:
    load_config(write(tmp_path, TOML), environ={}).autotask.require_tenant()


def test_the_store_is_configured_only_when_named(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, TOML), environ={}).store_configured
    bare = load_config(write(tmp_path, "[settings]\n"), environ={})
    assert not bare.store_configured
    assert bare.store_url == "autotask_fn.sqlite3"
