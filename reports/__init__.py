"""The report templates (Jinja for HTML and Markdown, with their CSS/JS) and the message
catalogue, installed as ``bio2scan.reports`` (the repository keeps them at the top, in
``reports/``)."""
