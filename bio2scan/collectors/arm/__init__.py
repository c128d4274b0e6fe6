"""Placeholder, replaced below."""


class ArmCollector:
    name = "arm"
    provider = "azure"
    description = "ARM templates"
    resource_types: tuple[str, ...] = ()
    options = ()
