"""Local stand-ins for the cloud and cluster APIs the collectors talk to (tests and the demo).

Each stub is a real HTTP server on localhost that the provider's own SDK talks to unchanged, so
tests exercise the collector's real requests, paging and error handling. Nothing here is imported
by the scanner itself.
"""
