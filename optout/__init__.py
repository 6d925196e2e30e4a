"""optout: write the letters that make data brokers delete, stop selling, or show your data.

The library API (the CLI is a thin layer over it)::

    import datetime as dt
    import optout

    catalog = optout.load_catalog()
    person = optout.Profile.model_validate({...})          # or optout.load_profile(path)
    broker = catalog.broker("spokeo")
    decision = optout.decide(person, broker, optout.RequestKind.DELETE, dt.date.today(), catalog)
    letter = optout.compose(person, broker, optout.RequestKind.DELETE, dt.date.today(), catalog)
    pdf_bytes = optout.render_letter(letter, "pdf")         # or "txt", "eml", "html"
    report = optout.run_batch(intake, brokers, settings, out_dir, catalog=catalog)

Names are imported on first use, so importing optout (and `optout --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_API = {
    "load_catalog": "optout.catalog",
    "Catalog": "optout.catalog",
    "decide": "optout.legal",
    "compose": "optout.letters",
    "render_letter": "optout.render",
    "render_files": "optout.output",
    "write_letter": "optout.output",
    "run_batch": "optout.batch",
    "BatchSettings": "optout.batch",
    "BatchReport": "optout.batch",
    "read_clients": "optout.clients",
    "select_brokers": "optout.query",
    "load_profile": "optout.profiles",
    "load_agent": "optout.profiles",
    "Profile": "optout.models",
    "Agent": "optout.models",
    "Broker": "optout.models",
    "Law": "optout.models",
    "RequestKind": "optout.models",
    "Decision": "optout.models",
    "Letter": "optout.models",
    "InputError": "optout.errors",
    "DiscloseChoice": "optout.disclosure",
    "plan_disclosure": "optout.disclosure",
}

__all__ = [  # the names of _API, written out so tools see them
    "Agent", "BatchReport", "BatchSettings", "Broker", "Catalog", "Decision", "DiscloseChoice", "InputError", "Law", "Letter",
    "Profile", "RequestKind", "__version__", "compose", "decide", "load_agent", "load_catalog", "load_profile",
    "plan_disclosure", "read_clients", "render_files", "render_letter", "run_batch", "select_brokers", "write_letter",
]

if TYPE_CHECKING:
    from .batch import BatchReport, BatchSettings, run_batch
    from .catalog import Catalog, load_catalog
    from .clients import read_clients
    from .disclosure import DiscloseChoice, plan_disclosure
    from .errors import InputError
    from .legal import decide
    from .letters import compose
    from .models import Agent, Broker, Decision, Law, Letter, Profile, RequestKind
    from .output import render_files, write_letter
    from .profiles import load_agent, load_profile
    from .query import select_brokers
    from .render import render_letter


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'optout' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
