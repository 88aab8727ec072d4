"""Linked Data views of the dataset: `/id/…` descriptions and pages, dumps (`/dump`,
`peacetalks export`), VoID, the JSON-LD context and the ontology documentation.
"""
