"""Typed FastAPI dependencies: the settings, dataset and executor of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.dataset import Dataset
from server.executor import QueryExecutor
from server.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_dataset(request: Request) -> Dataset:
    return request.app.state.dataset


def get_executor(request: Request) -> QueryExecutor:
    return request.app.state.executor


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatasetDep = Annotated[Dataset, Depends(get_dataset)]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
