"""The report templates compiled ahead of time (``bio2scan/render/precompiled.py``): generated
by ``make templates``, one module per template -- do not edit."""
