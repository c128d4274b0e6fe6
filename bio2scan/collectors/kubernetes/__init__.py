"""Kubernetes: objects from a live cluster (``live.py``) and from manifest files
(``bio2scan.collectors.manifests``) in one shape, made by ``objects.py``."""
