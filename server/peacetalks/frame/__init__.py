"""The page frame every HTML page shares: a Jinja2 environment (autoescaping), the base
layout (navigation, en/ja switch), the visitor's language and the interface's words.
Below `linked_data` and `web` (both render through it); imports no other sub-package.
"""
