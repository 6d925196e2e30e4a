"""Precision and recall of `optout reply classify` on the corpus of fictional broker replies (tests/replies_corpus/).

    python bench/classify.py [--json]

Each reply may carry several labels; a label counts as a true positive when the classifier gives it and the
corpus expects it. "unclear" is scored like any label (the classifier gives it when it finds nothing).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from optout.replies.classify import UNCLEAR, classify_file, load_rules

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "replies_corpus"


def score(corpus: Path = CORPUS) -> dict:
    expected: dict[str, list[str]] = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    rules = load_rules()
    labels = [rule.name for rule in rules.labels] + [UNCLEAR]
    counts = {label: {"tp": 0, "fp": 0, "fn": 0} for label in labels}
    mistakes = []
    for name, wanted in sorted(expected.items()):
        got = set(classify_file(corpus / name, rules).names)
        want = set(wanted)
        for label in labels:
            if label in got and label in want:
                counts[label]["tp"] += 1
            elif label in got:
                counts[label]["fp"] += 1
            elif label in want:
                counts[label]["fn"] += 1
        if got != want:
            mistakes.append({"file": name, "expected": sorted(want), "got": sorted(got)})
    table = {}
    for label, c in counts.items():
        predicted, actual = c["tp"] + c["fp"], c["tp"] + c["fn"]
        table[label] = {
            # None where the label was never given (precision) or never expected (recall): not a score of 1.
            "precision": c["tp"] / predicted if predicted else None,
            "recall": c["tp"] / actual if actual else None,
            "support": actual,
        }
    named = [label for label in labels if label != UNCLEAR]
    tp = sum(counts[label]["tp"] for label in named)
    fp = sum(counts[label]["fp"] for label in named)
    fn = sum(counts[label]["fn"] for label in named)
    micro = {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0}
    exact = sum(1 for m in expected if m not in {x["file"] for x in mistakes})
    return {"replies": len(expected), "exact": exact, "rules_version": rules.version, "labels": table, "micro": micro,
            "mistakes": mistakes}


def report(title: str, result: dict) -> None:
    print(title)
    print(f"{result['replies']} replies, {result['exact']} labelled exactly (rules version {result['rules_version']})")
    print(f"{'label':22} {'precision':>9} {'recall':>7} {'support':>8}")
    for label, row in result["labels"].items():
        shown = [f"{row[k]:.2f}" if row[k] is not None else "-" for k in ("precision", "recall")]
        print(f"{label:22} {shown[0]:>9} {shown[1]:>7} {row['support']:8d}")
    micro = result["micro"]
    print(f"{'all kinds (micro)':22} {micro['precision']:9.2f} {micro['recall']:7.2f}   (every label but unclear)")
    for m in result["mistakes"]:
        print(f"  {m['file']}: expected {', '.join(m['expected'])}; got {', '.join(m['got'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    results = {"corpus": score(CORPUS)}
    if (CORPUS / "heldout" / "labels.yaml").exists():
        results["heldout"] = score(CORPUS / "heldout")
    if args.json:
        print(json.dumps(results, indent=2))
        return
    report("Corpus (the rules were written against it):", results["corpus"])
    print()
    if "heldout" in results:
        report("Held-out replies (written after the rules, never used to change them):", results["heldout"])


if __name__ == "__main__":
    main()
