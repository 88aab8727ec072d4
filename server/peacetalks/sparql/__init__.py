"""The SPARQL 1.1 Protocol endpoint: the pre-execution guard, content negotiation, query
workers (`executor`, `worker`), capped result writers, the result cache, the service
description and the `/sparql` routes.

Imports `peacetalks.dataset`; never `api`, `linked_data` or `web`.
"""
