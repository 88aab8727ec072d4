"""The remote backend: peacetalks over an external SPARQL 1.1 engine (`PEACETALKS_BACKEND`).

`remote` speaks the SPARQL 1.1 Protocol and the Graph Store Protocol with httpx
(`RemoteExecutor` for /sparql and /api, `RemoteStore` for pages, dumps and labels);
`engines` keeps every engine's quirks in one documented place; `push` fills the engine
(`peacetalks push --to URL`). The embedded pyoxigraph store stays the default.
"""
