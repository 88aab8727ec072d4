"""Pages for people in a browser: the landing page (and, later, the query editor and
views). Sits on top: it may use every other sub-package; none imports it.
"""
