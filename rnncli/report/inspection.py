"""What `rnncli inspect` prints: the trained model's config, data, shapes, parameters and best
epoch, and with --trace its recurrence step by step (with the normalised input it reads)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from rnncli.errors import count
from rnncli.evaluation.selection import Selection, describe


def show_model(console: Console, trained, facts: dict) -> None:
    """inspect: the resolved config, the data it expects, its parameters, its best epoch."""
    from rnncli.config import from_dict, to_yaml

    console.print(f"checkpoint: {facts['checkpoint']}", highlight=False, soft_wrap=True)
    console.print(to_yaml(from_dict(trained.payload["config"])).rstrip(), highlight=False)
    sch, win = facts["schema"], facts["window"]
    ids = f"; {len(sch['ids'])} series by '{sch['id_column']}'" if sch.get("id_column") else ""
    console.print(
        f"\ndata: targets {', '.join(sch['targets'])}; features {', '.join(sch['features']) or 'none'}; "
        + (f"known ahead: {', '.join(sch['future_features'])}; " if sch.get("future_features") else "")
        + (f"per series: {', '.join(sch['static_features'])}; " if sch.get("static_features") else "")
        + "".join(
            f"{name}: {len(levels)} categories ({', '.join(map(str, levels[:6]))}"
            + (", ...); " if len(levels) > 6 else "); ")
            for name, levels in zip(sch.get("categorical", []), sch.get("levels", []))
        )
        + f"calendar {', '.join(win.get('calendar', [])) or 'none'}; frequency {sch['frequency']}; trained "
        f"on {sch['first_timestamp']} to {sch['last_timestamp']} ({sch['rows']} rows){ids}",
        highlight=False,
    )
    console.print(
        f"window: lookback {win['lookback']}, horizon {win['horizon']}, {win['mode']}", highlight=False
    )
    for line in shapes(trained.model.args, win["lookback"]):
        console.print(line, highlight=False)
    console.print(parameters(trained.model.args, facts["parameters"]))
    best = facts["best"]
    if best:
        console.print(
            f"best epoch {best['epoch']} of {facts['epochs']}: val_loss {best['val_loss']:.5f}, val_mae "
            f"{best['val_mae']:.4f}",
            highlight=False,
        )
    if facts.get("selection"):
        chosen = Selection.from_dict(facts["selection"])
        console.print(f"\nserves {chosen.name}: {chosen.reason}", highlight=False)
        console.print(candidates(chosen))


def candidates(chosen: Selection) -> Table:
    """Each candidate's validation error, the served one in bold."""
    table = Table(
        title=f"validation MASE (mean over series), {count(chosen.windows, 'window')} in "
        f"{count(chosen.blocks, 'block')}",
        title_justify="left",
    )
    table.add_column("candidate")
    table.add_column("validation MASE", justify="right")
    for name, error in sorted((chosen.errors or {}).items(), key=lambda item: item[1]):
        table.add_row(
            describe(name, chosen.partner), f"{error:.4f}", style="bold" if name == chosen.served else None
        )
    return table


def shapes(args, lookback: int) -> list[str]:
    """How an input window flows through the model, each shape from its equation."""
    inputs, hidden = args.input_size, args.hidden_size
    lines = [f"input: (lookback {lookback}, inputs {inputs})"]
    if args.normalize != "none":
        shift = {
            "window": "mean" if not args.many_to_many else "running mean (of the steps up to each)",
            "last": "last value",
        }[args.normalize]
        lines.append(
            f"normalised per window: the first {args.normalized_columns} input columns (targets and "
            f"features) minus their {shift}, divided by their standard deviation; the forecast is mapped "
            "back with them"
        )
    if args.segment:
        n = lookback // args.segment
        lines.append(
            f"segments: {lookback} / {args.segment} = {n} segments of {args.segment} steps; each "
            f"{args.segment}·{inputs} = "
            f"{args.segment * inputs} values -> {hidden} (embed.linear, ReLU)"
        )
        lines.append(
            f"recurrence: {args.cell} over {n} segments, hidden {hidden}, {args.num_layers} layer(s)"
        )
    else:
        lines.append(
            f"recurrence: {args.cell} over {lookback} steps, hidden {hidden}, {args.num_layers} layer(s)"
        )
    if getattr(args, "ensemble", 1) > 1:
        lines.append(
            f"ensemble: {args.ensemble} members of this shape, each from its own start; the forecast is "
            "their median (--trace follows the first)"
        )
    future = f" + future {args.future_size}" if args.future_size else ""
    lines.append(
        f"head: {hidden}{future} -> horizon {args.horizon}·targets {args.n_targets} = "
        f"{args.horizon * args.n_targets}"
    )
    return lines


def parameters(args, params: list[tuple[str, tuple[int, ...], int]]) -> Table:
    gates = {"rnn": "", "gru": "3·", "lstm": "4·"}[args.cell]
    head_in = "hidden + future" if args.future_size else "hidden"
    rnn_in = "hidden" if args.segment else "inputs"
    meaning = {
        "weight_ih": f"({gates}hidden, {rnn_in})",
        "weight_hh": f"({gates}hidden, hidden)",
        "bias_ih": f"({gates}hidden)",
        "bias_hh": f"({gates}hidden)",
        "head.weight": f"(horizon·targets, {head_in})",
        "head.bias": "(horizon·targets)",
        "embed.linear.weight": "(hidden, segment·inputs)",
        "embed.linear.bias": "(hidden)",
    }
    table = Table(title=f"parameters of the {args.cell} forecaster", title_justify="left")
    for name, justify in (("name", "left"), ("shape", "right"), ("as", "left"), ("count", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for name, shape, size in params:
        key = next((k for k in meaning if k in name), "")
        table.add_row(name, str(tuple(shape)), meaning.get(key, ""), f"{size:,}")
    table.add_row("total", "", "", f"{sum(c for _, _, c in params):,}", style="bold")
    return table


def show_trace(console: Console, trace) -> None:
    if trace.normalised is not None:
        norm = trace.normalised
        stats = ", ".join(
            f"{c} mean {m:.4g} sd {s:.4g}" for c, m, s in zip(norm["columns"], norm["shift"], norm["scale"])
        )
        console.print(f"\ninput normalised per window (scaled units): {stats}", highlight=False)
        console.print(normalised(norm))
    console.print(f"\n{trace.cell} recurrence over {trace.window}", highlight=False)
    table = Table()
    for name in ("layer", "step", "hidden state shape", "norm"):
        table.add_column(name, justify="right", overflow="fold")
    for step in trace.steps:
        table.add_row(str(step.layer), str(step.t + 1), str(step.shape), f"{step.norm:.4f}")
    console.print(table)
    console.print(
        f"largest difference from nn.{trace.cell.upper() if trace.cell != 'lstm' else 'LSTM'}'s own output: "
        f"{trace.max_difference:.2e}",
        highlight=False,
    )


def normalised(norm: dict) -> Table:
    """The window's statistics and its last rows before and after normalisation (scaled units)."""
    columns = norm["columns"]
    table = Table(title="its last rows", title_justify="left")
    table.add_column("step", justify="right", overflow="fold")
    for c in columns:
        table.add_column(f"{c} in", justify="right", overflow="fold")
        table.add_column(f"{c} normalised", justify="right", overflow="fold")
    for step, raw, norm_row in zip(norm["steps"], norm["raw"], norm["values"]):
        table.add_row(str(step), *(f"{v:.4f}" for pair in zip(raw, norm_row) for v in pair))
    return table
