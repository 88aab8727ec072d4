"""Canned queries as `/api/…`: the catalog of `queries/*.rq` headers, parameter types
(`params`), binding values to RDF terms (`binding`) and the generated routes.

Runs through `peacetalks.sparql`'s executor and result cache.
"""
