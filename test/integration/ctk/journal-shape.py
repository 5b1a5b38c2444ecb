# Does ordeal's journal read as chaoslib's? Run once by the corpus test with the venv's Python
# over pairs of paths: ordeal's journal, then chaos's journal of the same experiment. For each
# pair, checks that chaoslib itself accepts the journal's experiment (ensure_experiment_is_valid)
# and that both journals have the same keys in the same order and the same JSON types at every
# level (outputs, exceptions, headers and probe-tolerance values by type only). Prints one line
# per pair: "ok", or where they differ.
import json
import sys

from chaoslib.experiment import ensure_experiment_is_valid

OPAQUE = {"output", "exception", "value", "headers"}


def shape(x, key=None):
    if key in OPAQUE:
        return "opaque"
    if isinstance(x, dict):
        return [(k, shape(v, k)) for k, v in x.items()]
    if isinstance(x, list):
        return [shape(v) for v in x]
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float)):
        return "number"
    return type(x).__name__


def check(ours_path, theirs_path):
    ours = json.load(open(ours_path, encoding="utf-8"))
    theirs = json.load(open(theirs_path, encoding="utf-8"))
    try:
        ensure_experiment_is_valid(ours["experiment"])
    except Exception as e:  # noqa: BLE001 - the message is the verdict
        return f"chaoslib rejects the experiment: {e}"
    a, b = shape(ours), shape(theirs)
    if a == b:
        return "ok"
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb or va != vb:
            return f"differs at {ka!r}/{kb!r}: ordeal {va} chaos {vb}"
    return f"differs in keys: {[k for k, _ in a]} vs {[k for k, _ in b]}"


args = sys.argv[1:]
for i in range(0, len(args), 2):
    print(check(args[i], args[i + 1]).replace("\n", " "))
