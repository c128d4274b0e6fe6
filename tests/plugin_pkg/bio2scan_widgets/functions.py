"""The plugin's own named function, registered with bio2scan's decorator."""

from bio2scan.engine.functions import function

SAFE = {"green", "blue"}


@function("widget_colour_is_safe", kind="value", value="string")
def widget_colour_is_safe(value):
    """True for a widget colour that is known to be safe (green or blue)."""
    return isinstance(value, str) and value.lower() in SAFE
