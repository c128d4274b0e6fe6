"""Collectors: the only code that talks to the outside world (cloud APIs, clusters, files).

Each collector turns what it reads into ``Resource`` records with their provenance and records a
``CollectionError`` for anything it could not read. Built-in collectors register through the
``bio2scan.collectors`` entry point group, like third-party ones; their SDKs are imported only
inside the collector's own modules, when it runs.
"""
