"""rnncli sweep: every combination of the given values trained and ranked."""

import csv

from rnncli import config


def test_sweep_trains_the_grid_and_ranks_it(tiny, cli):
    cfg, _, runs = tiny
    result = cli("sweep", cfg, "model.cell=rnn,gru", "train.lr=0.01,0.001", "train.epochs=1", "-q")
    assert result.code == 0, result
    sweep_csv = next(runs.glob("tiny/sweep-*/sweep.csv"))
    with open(sweep_csv) as fh:
        ranked = list(csv.DictReader(fh))
    assert len(ranked) == 4 and {(r["model.cell"], r["train.lr"]) for r in ranked} == {
        ("rnn", "0.01"),
        ("rnn", "0.001"),
        ("gru", "0.01"),
        ("gru", "0.001"),
    }
    losses = [float(r["best_val_loss"]) for r in ranked]
    assert losses == sorted(losses) and [r["rank"] for r in ranked] == ["1", "2", "3", "4"]
    for r in ranked:  # each a normal run folder, with the swept values in its config
        saved = config.load(f"{r['run_dir']}/config.yaml")
        assert (saved.model.cell, saved.train.lr) == (r["model.cell"], float(r["train.lr"]))
    assert result.out.strip().splitlines()[-1] == ranked[0]["run_dir"]  # the best run's path comes last


def test_sweep_splits_values_outside_brackets(tiny, cli):
    from rnncli.commands.sweep import grid

    keys, combos = grid(["data.features=[],[x]", "model.cell=gru"])
    assert keys == ["data.features"] and combos == [
        ["data.features=[]", "model.cell=gru"],
        ["data.features=[x]", "model.cell=gru"],
    ]
    assert (
        "more than --max-runs 3"
        in cli("sweep", tiny[0], "train.lr=0.1,0.2", "train.seed=1,2", "--max-runs", "3").err
    )
    bad = cli("sweep", tiny[0], "model.cell=rnn,gur")
    assert (
        bad.code == 2 and "did you mean gru" in bad.err and not tiny[2].exists()
    )  # checked before any training


def test_two_sweeps_started_in_the_same_second_keep_their_own_folders(tiny, cli, monkeypatch):
    import time

    from rnncli.artifacts import run_folder

    real = time.strftime
    monkeypatch.setattr(
        run_folder.time,
        "strftime",
        lambda fmt, *a: "20260102-030405" if fmt == "%Y%m%d-%H%M%S" else real(fmt, *a),
    )
    first = cli("sweep", tiny[0], "train.lr=0.01,0.02", "train.epochs=1", "-q")
    second = cli("sweep", tiny[0], "train.lr=0.03,0.04", "train.epochs=1", "-q")
    assert first.code == second.code == 0, (first, second)
    folders = sorted(p.name for p in (tiny[2] / "tiny").glob("sweep-*"))
    assert folders == ["sweep-20260102-030405", "sweep-20260102-030405-2"]
    lrs = [
        sorted(
            r["train.lr"]
            for r in csv.DictReader((tiny[2] / "tiny" / f / "sweep.csv").read_text().splitlines())
        )
        for f in folders
    ]
    assert lrs == [["0.01", "0.02"], ["0.03", "0.04"]]  # neither sweep's table lost
