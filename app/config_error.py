"""The one exception for bad configuration, shared by the settings and the
secret providers (which app.config imports, so it cannot live there)."""


class ConfigError(ValueError):
    """The configuration is incomplete or unsafe; the message names the setting, never a value."""
