"""Curating without Turtle: statements as spreadsheet rows, checked, into `graph/`.

`spreadsheet` reads and writes the rows (CSV), `resolve` turns cell values into resources the
way the canned API does, `statements` maps a row to triples and back, `importer` checks a
whole file (SHACL shapes and `queries/checks/`) before writing one canonical Turtle file.
"""
