"""Typed FastAPI dependencies shared by the routers: the running app's settings and dataset.

(The query executor's, `ExecutorDep`, is `peacetalks.sparql.routes`' own.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_dataset(request: Request) -> Dataset:
    return request.app.state.dataset


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatasetDep = Annotated[Dataset, Depends(get_dataset)]
