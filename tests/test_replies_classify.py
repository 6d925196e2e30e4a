"""`optout reply classify`: the rules file, the reading of .eml and HTML, and the figures on the corpus.

The floors hold the corpus figures bench/classify.py prints: the main corpus (which the rules were written against)
must stay near perfect, and the held-out replies (written after the rules, never used to change them) must keep
the classifier from inventing kinds: a wrong label is worse than "unclear", which sends the person to read the reply.
"""

from __future__ import annotations

import importlib.util
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from optout.errors import InputError
from optout.replies.classify import RULES_FILE, UNCLEAR, classify_file, classify_text, html_to_text, load_rules

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "replies_corpus"
KINDS = {"id-demand", "use-form", "not-resident", "service-provider", "partial", "extension-no-reason", "completed",
         "acknowledged", "denied"}


def bench():
    spec = importlib.util.spec_from_file_location("bench_classify", ROOT / "bench" / "classify.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_are_data_inside_the_package_and_name_every_kind():
    assert RULES_FILE.is_relative_to(ROOT / "optout")  # packaged with optout (wheel: packages = ["optout"])
    rules = load_rules()
    assert {rule.name for rule in rules.labels} == KINDS
    assert rules.version >= 3
    assert all(0 < weight < 1 for rule in rules.labels for _, weight in rule.patterns)


def test_corpus_covers_every_kind_and_mixed_replies():
    expected = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    assert len(expected) >= 40
    assert all((CORPUS / name).is_file() for name in expected)
    seen = {label for labels in expected.values() for label in labels}
    assert seen == KINDS | {UNCLEAR}
    assert sum(1 for labels in expected.values() if len(labels) > 1) >= 8
    assert sum(1 for name in expected if name.endswith(".eml")) >= 8


def test_corpus_floor():
    result = bench().score(CORPUS)
    for label, row in result["labels"].items():
        assert row["precision"] is not None and row["precision"] >= 0.8, (label, row)
        assert row["recall"] is not None and row["recall"] >= 0.75, (label, row)
    assert result["micro"]["precision"] >= 0.9 and result["micro"]["recall"] >= 0.9


def test_heldout_floor_keeps_wrong_labels_rare():
    result = bench().score(CORPUS / "heldout")
    assert result["replies"] >= 14
    assert result["micro"]["precision"] >= 0.7, result["micro"]
    assert result["micro"]["recall"] >= 0.3, result["micro"]


def test_bench_prints_precision_and_recall_per_kind(capsys, monkeypatch):
    module = bench()
    monkeypatch.setattr("sys.argv", ["classify.py"])
    module.main()
    out = capsys.readouterr().out
    for kind in KINDS:
        assert kind in out
    assert "precision" in out and "Held-out" in out
    monkeypatch.setattr("sys.argv", ["classify.py", "--json"])
    module.main()
    assert "heldout" in json.loads(capsys.readouterr().out)


def test_quoted_letter_is_not_read_as_the_broker_s_words():
    # Our own letter mentions Social Security numbers and accounts; quoted back, it must not look like a demand.
    found = classify_file(CORPUS / "40-completed-quoted.eml")
    assert found.names == ["completed"]
    assert found.references == ["OPT-20261005-5A5A5A5A"]


def test_html_scripts_and_styles_are_dropped():
    assert html_to_text("<style>p{}</style><script>alert('completed')</script><p>Hello &amp; bye</p>").strip() == "Hello & bye"
    found = classify_file(CORPUS / "42-denied-html-script.eml")
    assert found.names == ["denied"]


def test_eml_with_an_attachment_and_a_broken_charset(tmp_path):
    message = EmailMessage()
    message["Subject"] = "Your request"
    message.set_content("Please provide a copy of your driver's license.")
    message.add_attachment(b"%PDF-1.4 completed deleted", maintype="application", subtype="pdf", filename="x.pdf")
    path = tmp_path / "reply.eml"
    path.write_bytes(message.as_bytes())
    assert classify_file(path).names == ["id-demand"]
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"Subject: x\nContent-Type: text/plain; charset=no-such-charset\n\nWe have received your request.\n")
    assert classify_file(broken).names == ["acknowledged"]


def test_unreadable_and_oversized_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        classify_file(tmp_path / "missing.eml")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5_000_001)
    with pytest.raises(InputError, match="too large"):
        classify_file(big)


def test_nothing_recognised_is_unclear():
    assert classify_text("Thanks for your note about the weather.").names == [UNCLEAR]


def test_cli_classify_shows_evidence_and_the_next_command(cli):
    result = cli("reply", "classify", CORPUS / "43-sp-quoted.eml")
    assert result.exit_code == 0
    assert "service-provider (confidence" in result.output
    assert "next: optout reply --to service-provider --ref OPT-20261005-5A5A5A5A" in result.output
    # The ledger event it proposes: a company that says it only acts for others has refused the request.
    assert "record it: optout ledger mark OPT-20261005-5A5A5A5A denied --attach" in result.output
    result = cli("reply", "classify", CORPUS / "24-unclear.txt")
    assert "unclear" in result.output and "record it" not in result.output
    result = cli("reply", "classify", CORPUS / "22-denied.txt", "--json")
    data = json.loads(result.output)
    assert data["labels"] == ["denied"] and data["findings"][0]["evidence"] and data["ledger_event"] == "denied"
    assert cli("reply", "classify", CORPUS / "nope.eml").exit_code == 2
