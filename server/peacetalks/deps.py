"""Typed FastAPI dependencies: the settings, dataset and executor of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryExecutor


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_dataset(request: Request) -> Dataset:
    return request.app.state.dataset


def get_executor(request: Request) -> QueryExecutor:
    return request.app.state.executor


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatasetDep = Annotated[Dataset, Depends(get_dataset)]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
