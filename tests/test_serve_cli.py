"""`optout serve --ledger`: the page offers to record letters in the ledger named, and only in it."""

import sqlite3

import uvicorn

from optout.web import app as web_app


def test_serve_passes_the_ledger_it_is_given_to_the_page(cli, monkeypatch, tmp_path):
    made: list[dict] = []
    real = web_app.create_app

    def spy(catalog=None, **options):
        made.append({"ledger": options.get("ledger")})
        return real(catalog, **options)

    monkeypatch.setattr("optout.web.create_app", spy)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    monkeypatch.setattr("optout.web.bundle.warm_up", lambda catalog: None)
    clinic = tmp_path / "clinic.sqlite"
    sqlite3.connect(clinic).close()
    result = cli("serve", "--no-browser", "--port", "0", "--ledger", str(clinic))
    assert result.exit_code == 0, result.output
    assert made == [{"ledger": clinic}]
    result = cli("serve", "--no-browser", "--port", "0")
    assert result.exit_code == 0, result.output
    assert made[-1] == {"ledger": None}  # the user's own ledger, found by the page itself


def test_serve_help_names_the_ledger_option(cli):
    result = cli("serve", "--help")
    assert result.exit_code == 0 and "--ledger" in result.output and "Nothing is recorded unless" in result.output


def test_serve_refuses_a_ledger_that_is_not_there(cli, tmp_path):
    result = cli("serve", "--no-browser", "--port", "0", "--ledger", str(tmp_path / "missing.sqlite"))
    assert result.exit_code == 2 and "no ledger file there" in result.output
