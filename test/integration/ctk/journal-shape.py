# Does ordeal's journal read as chaoslib's? Run by the corpus test with the venv's Python:
# argv[1] ordeal's journal, argv[2] chaos's journal of the same experiment. Checks that
# chaoslib itself accepts the journal's experiment (ensure_experiment_is_valid) and that both
# journals have the same keys in the same order and the same JSON types at every level
# (outputs, exceptions and probe-tolerance values are compared by type only). Prints "ok".
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


ours = json.load(open(sys.argv[1], encoding="utf-8"))
theirs = json.load(open(sys.argv[2], encoding="utf-8"))
ensure_experiment_is_valid(ours["experiment"])
if shape(ours) != shape(theirs):
    a, b = shape(ours), shape(theirs)
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb or va != vb:
            print(f"differs at {ka!r}/{kb!r}:\n ordeal {va}\n chaos  {vb}")
            break
    else:
        print(f"differs in keys: {[k for k, _ in a]} vs {[k for k, _ in b]}")
    sys.exit(1)
print("ok")
