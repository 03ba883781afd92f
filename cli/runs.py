"""``cnn-studio runs list|show|compare|delete``: the kept training runs, on the command line.

Every training run (``train``, ``compare``, the window) is kept in the runs folder of the app's
data home. A damaged or foreign folder there is listed as damaged with the reason and never
touched unless named to ``runs delete``. A bad run id ends in one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "list, show, compare or delete the kept training runs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every kept run, oldest first (damaged ones too)")
    listing.add_argument("--json", action="store_true", help="print JSON with a 'runs' list")
    show = actions.add_parser("show", help="everything kept about one run")
    show.add_argument("id", help="the run's id (see 'runs list')")
    compare = actions.add_parser("compare", help="runs side by side: figures, differing "
                                                 "settings, robustness curves")
    compare.add_argument("ids", nargs="+", metavar="ID")
    compare.add_argument("--json", metavar="OUT|-", help="also write the comparison as JSON to "
                                                         "OUT ('-': print only the JSON)")
    delete = actions.add_parser("delete", help="delete runs (their records and models) for good")
    delete.add_argument("ids", nargs="+", metavar="ID")


def _fail(text: str) -> int:
    print(f"runs: {text}", file=sys.stderr)
    return 2


def _pct(share) -> str:
    return "-" if share is None else f"{100 * share:.1f} %"


def _list_row(record) -> dict:
    from cnn_studio.model.runs.comparison import network_summary

    summary = network_summary(record)
    return {"id": record.id, "name": record.name, "network": summary["network"],
            "created": record.created, "state": record.state(),
            "status": "stopped" if record.interrupted() else record.status,
            "epochs": record.epochs_completed, "validation_accuracy":
                summary["validation_accuracy"], "real_letter_accuracy":
                summary["real_letter_accuracy"], "params": record.params,
            "seconds": summary["seconds"], "model": record.model_file is not None,
            "note": record.note}


def _list(store, as_json: bool) -> int:
    entries = store.entries()
    rows = [_list_row(e.record) if e.record else
            {"id": e.id, "status": "damaged", "problem": e.problem} for e in entries]
    if as_json:
        print(json.dumps({"runs": rows, "folder": str(store.root)}, indent=1))
        return 0
    if not rows:
        print(f"No runs are kept yet in {store.root}; 'cnn-studio train' keeps each run.")
        return 0
    print(f"{'id':<34} {'network':<12} {'epochs':>6} {'val acc':>8} {'real acc':>8} "
          f"{'params':>10} {'time':>8}  state")
    for row in rows:
        if row["status"] == "damaged":
            print(f"{row['id']:<34} DAMAGED: {row['problem']}")
            continue
        print(f"{row['id']:<34} {row['network'][:12]:<12} {row['epochs']:>6} "
              f"{_pct(row['validation_accuracy']):>8} {_pct(row['real_letter_accuracy']):>8} "
              f"{row['params']:>10,} {row['seconds']:>7.1f}s  {row['state']}")
    return 0


def _show(store, run_id: str) -> int:
    record = store.read(run_id)
    metrics = record.metrics
    print(f"Run {record.id}: {record.name}")
    print(f"  {record.state()}; created {record.created}, CNN Studio {record.app_version}, "
          f"on {record.device}")
    if record.note:
        print(f"  note: {record.note}")
    print(f"  network {record.network_name()}: {len(record.network.get('layers', []))} layers, "
          f"{record.params:,} parameters, {record.macs:,} multiply-adds per letter")
    print("  settings: " + ", ".join(f"{k} {v}" for k, v in sorted(record.settings.items())
                                     if v is not None))
    print("  data: " + ", ".join(f"{k} {v}" for k, v in sorted(record.data.items())))
    print(f"  {record.samples:,} training letters, {record.validation_samples:,} for "
          f"validation, seed {record.seed}; {record.samples_seen:,} letters seen in "
          f"{record.wall_s:.1f} s ({record.samples_per_s:,.0f} letters/s)")
    for index, loss in enumerate(record.curves["epoch"]["loss"]):
        val = record.curves["epoch"]["val_accuracy"][index]
        acc = record.curves["epoch"]["accuracy"][index]
        print(f"  epoch {index + 1}: loss {loss if loss is None else round(loss, 4)}, accuracy "
              f"{_pct(acc)}, validation accuracy {_pct(val)}")
    print(f"  real letters: {_pct(metrics.get('real_accuracy'))} of "
          f"{metrics.get('real_letters', 0)} (upper {_pct(metrics.get('real_upper_accuracy'))}, "
          f"lower {_pct(metrics.get('real_lower_accuracy'))})")
    letters = metrics.get("per_letter", {})
    if letters:
        print("  per letter: " + " ".join(f"{k} {100 * v:.0f}" for k, v in letters.items()
                                          if v is not None))
    if record.message:
        print(f"  {record.message}")
    model = store.model_path(run_id)
    print(f"  model: {model}" if model else f"  model: none ({record.model_note or 'not kept'})")
    return 0


def print_comparison(result: dict) -> None:
    """Print a :func:`model.runs.comparison.comparison` as tables."""
    networks = result["networks"]
    width = max(14, *(len(n["name"][:24]) + 2 for n in networks))
    rows = [("network", lambda n: n["network"]), ("run", lambda n: n["run"]),
            ("parameters", lambda n: f"{n['params']:,}"), ("MACs", lambda n: f"{n['macs']:,}"),
            ("epochs", lambda n: str(n["epochs"])), ("seconds", lambda n: f"{n['seconds']:.1f}"),
            ("letters/s", lambda n: f"{n['samples_per_s']:,.0f}"),
            ("val accuracy", lambda n: _pct(n["validation_accuracy"])),
            ("real letters", lambda n: _pct(n["real_letter_accuracy"]))]
    print(f"{'':<16}" + "".join(f"{n['name'][:24]:>{width}}" for n in networks))
    for title, value in rows:
        print(f"{title:<16}" + "".join(f"{value(n)[:width - 2]:>{width}}" for n in networks))
    for kind, unit in (("shift", " px"), ("rotation", " deg"), ("scale", "x")):
        amounts = [point[0] for point in networks[0][kind]] if networks[0][kind] else []
        for amount in amounts:
            cells = []
            for network in networks:
                share = dict((a, s) for a, s in network[kind]).get(amount)
                cells.append(f"{_pct(share):>{width}}")
            print(f"{f'{kind} {amount:g}{unit}':<16}" + "".join(cells))
    if result["differences"]:
        print("Settings that differ:")
        for row in result["differences"]:
            print(f"  {row['setting']}: " + " | ".join(str(v) for v in row["values"]))
    else:
        print("No setting differs.")


def write_json(result: dict, target: str) -> str | None:
    """Write ``result`` to ``target`` (``-``: stdout) atomically; None, or what went wrong."""
    from cnn_studio.model.storage.paths import atomic_write_text

    text = json.dumps(result, indent=1)
    if target == "-":
        print(text)
        return None
    try:
        atomic_write_text(target, text + "\n")
    except OSError as error:
        return f"{target}: cannot write the JSON ({error.strerror or error})"
    print(f"Wrote the comparison to {target}")
    return None


def _compare(store, ids: list[str], target: str | None) -> int:
    from cnn_studio.model.runs.comparison import comparison, with_robustness
    from cnn_studio.model.runs.record import RunError

    records = []
    for run_id in ids:
        try:
            records.append(with_robustness(store, run_id))
        except RunError as error:
            if store.entry(run_id).record is None:
                raise
            print(f"note: {error}; compared without its robustness curves", file=sys.stderr)
            records.append(store.read(run_id))
    result = comparison(records)
    if target != "-":
        print_comparison(result)
    if target:
        problem = write_json(result, target)
        if problem:
            return _fail(problem)
    return 0


def run(args: argparse.Namespace) -> int:
    """List, show, compare or delete runs; 0, or 2 with one line for a bad id or folder."""
    from cnn_studio.model.runs.record import RunError
    from cnn_studio.model.runs.store import RunStore

    store = RunStore()
    try:
        if args.action == "list":
            return _list(store, args.json)
        if args.action == "show":
            return _show(store, args.id)
        if args.action == "compare":
            return _compare(store, args.ids, args.json)
        for run_id in args.ids:
            store.delete(run_id)
            print(f"Deleted run {run_id}")
        return 0
    except RunError as error:
        return _fail(str(error))
