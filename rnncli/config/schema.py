"""The run configuration's shape: one typed dataclass per section; each key with its default and what
it means, in one place.

Every settable key is a field here (`known_keys` lists them dotted; `doc` says what each means);
`loading.py` fills them from YAML and overrides, `coerce.py` gives each value its field's type and
`validation.py` checks ranges and combinations. The keys a config may leave for its data to choose
(`choices.CHOSEN`) keep a default here too, used where no data is read; `choices.py` says how the
data chooses them. docs/config.md is written from this module (`rnncli/config/reference.py`).
Nothing here imports torch or pandas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal


def key(default: Any = dataclasses.MISSING, doc: str = "", factory: Any = None) -> Any:
    """A config field with its default and its one-line meaning."""
    if factory is not None:
        return field(default_factory=factory, metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


@dataclass
class DataConfig:
    path: str = key(
        "", "the CSV file; a relative path is read from the current folder, then beside the config"
    )
    time_column: str | list[str] = key(
        "", "the timestamp column, or a list of the columns of year, month, day (hour, minute, second)"
    )
    time_format: str | None = key(
        None, 'strftime codes (e.g. "%d/%m/%Y"): the one way every timestamp is read'
    )
    decimal: Literal[".", ","] = key(".", "`,` reads `1,34` as 1.34 (in a `;`- or tab-separated file)")
    target: list[str] = key(doc="the column to forecast, or a list of them", factory=list)
    features: list[str] = key(
        doc="past covariates: other numeric columns the model reads as inputs, observed up to the forecast "
        "origin",
        factory=list,
    )
    future_features: list[str] = key(
        doc="future-known covariates: numeric columns whose values at the forecast steps are known when the "
        "forecast is made (prices, load forecasts, holidays); predict reads them from rows after a series' "
        "last target value, or from --future FILE",
        factory=list,
    )
    static_features: list[str] = key(
        doc="per-series attributes (a store's size, a product's category): columns constant within each "
        "series, read by the network at every step",
        factory=list,
    )
    categorical: list[str] = key(
        doc="the features (past, future or static) whose cells are categories written as text (`NW`, "
        "`holiday`): each category becomes a 0/1 input; one not in the training rows reads as none",
        factory=list,
    )
    id_column: str | list[str] | None = key(
        None,
        "long format: the column naming each row's series (station, store), or the columns whose values "
        "together name it ([region, state, purpose]); one model learns them all",
    )
    layout: Literal["long", "wide"] = key(
        "long", "`wide`: every target column is its own series of one model, named by its column"
    )
    calendar: list[Literal["hour", "dayofweek", "dayofyear", "month"]] = key(
        doc="known-future features from the timestamps (each as a sine and a cosine)", factory=list
    )
    frequency: str | None = key(
        None, "the step, as a pandas alias (`D`, `h`, `15min`, `W-SUN`, `MS`); null: inferred"
    )
    timezone: str | None = key(
        None,
        "read naive timestamps as local times of this zone (e.g. `Europe/Paris`), so daylight-saving changes "
        "neither skip nor repeat an hour",
    )
    missing: Literal["interpolate", "ffill", "error"] = key(
        "interpolate", "how gaps (missing timestamps, empty cells) are filled, or refused"
    )
    max_fill: float = key(0.1, "the share of a series' values that may be filled at most; more is refused")
    max_gap: int | None = key(None, "the longest run of missing steps that may be filled; null: any")
    duplicates: Literal["error", "mean", "last"] = key(
        "error", "repeated timestamps: refused, averaged, or the last row kept"
    )
    val_fraction: float = key(0.1, "the part after the training rows that chooses the epoch (early stopping)")
    test_fraction: float = key(0.1, "the last part, scored at the end")
    val_steps: int | None = key(
        None, "instead of a fraction: the last steps of every series (before the test ones) to validate on"
    )
    test_steps: int | None = key(None, "instead of a fraction: the last steps of every series to test on")
    train_end: str | None = key(
        None, "split by timestamps instead: the last timestamp of the training part (e.g. `2017-06-25 23:00`)"
    )
    val_end: str | None = key(None, "... the last of the validation part (needed with train_end)")
    test_end: str | None = key(None, "... the last of the test part; later rows are not used (null: the end)")
    scaler: Literal["standard", "minmax", "none"] = key(
        "standard", "fitted on each series' training rows only"
    )
    transform: Literal["none", "log"] = key("none", "`log`: log1p of the targets before scaling")
    scale_per_series: bool = key(
        True, "with an id column: a scaler per series, or one for all (which can forecast series never seen)"
    )
    season: int | None = key(
        None, "steps per season, for the seasonal baselines, Theta and MASE; null: from the frequency"
    )


@dataclass
class WindowConfig:
    lookback: int = key(30, "steps the model reads")
    horizon: int = key(1, "steps it forecasts at once")
    mode: Literal["many_to_one", "many_to_many"] = key(
        "many_to_one",
        "`many_to_one`: the last step forecasts; `many_to_many`: every step forecasts the steps after it, "
        "all in the loss",
    )


@dataclass
class ModelConfig:
    cell: Literal["rnn", "gru", "lstm"] = key(
        "gru",
        "the recurrent cell (`nn.RNN`, `nn.GRU`, `nn.LSTM`); a GRU trained faster and steadier than the "
        "plain RNN on every data set measured",
    )
    hidden_size: int = key(64, "units in each recurrent layer")
    num_layers: int = key(1, "stacked recurrent layers")
    nonlinearity: Literal["tanh", "relu"] = key("tanh", "the plain `rnn` cell's activation")
    dropout: float = key(0.0, "between stacked layers (needs num_layers >= 2)")
    normalize: Literal["none", "window", "last"] = key(
        "none",
        "each input window on its own scale: `last` shifted by its last value, `window` by its mean (both "
        "divided by its spread), or `none`",
    )
    segment: int | None = key(
        None,
        "S: the recurrence runs over lookback / S segments of S steps, each embedded by one linear layer",
    )
    ensemble: int = key(
        1, "K > 1: K networks from their own starts, forecasting their median (steadier, at K times the cost)"
    )
    select: Literal[
        "auto",
        "network",
        "combined",
        "persistence",
        "seasonal_naive",
        "linear_ar",
        "theta",
        "ets",
        "com",
        "linear_arx",
    ] = key(
        "auto",
        "the forecast a run serves: `auto` chooses on the validation windows among the network, the "
        "classical methods (with covariates, the linear AR with them too: `linear_arx`) and the network "
        "averaged with the best of them; or name one",
    )
    quantiles: list[float] = key(
        doc="with train.loss pinball: the probabilities to forecast, e.g. [0.05, 0.5, 0.95] (the median is "
        "the forecast)",
        factory=list,
    )


@dataclass
class TrainConfig:
    loss: Literal["mse", "mae", "huber", "pinball"] = key(
        "mae",
        "`mae` forecasts the median, which MAE, MASE and sMAPE score best; `pinball` trains model.quantiles",
    )
    epochs: int = key(50, "passes over the training windows (or train.steps_per_epoch batches each)")
    steps_per_epoch: int | None = key(None, "batches an epoch draws at random; null: every window once")
    refit: bool = key(
        False,
        "after validation chose the epochs, train again on every row for the final checkpoint (its test "
        "scores are then not held out)",
    )
    batch_size: int = key(64, "windows per step")
    optimizer: Literal["adam", "adamw", "sgd"] = key("adam", "the optimizer")
    lr: float = key(0.001, "the learning rate")
    weight_decay: float = key(0.0, "L2 penalty")
    clip_grad_norm: float | None = key(1.0, "rescale gradients whose total norm exceeds this; null disables")
    clip_grad_value: float | None = key(None, "clip each gradient element to ±value")
    scheduler: Literal["none", "plateau", "cosine"] = key(
        "none", "`plateau` halves the rate when val_loss stalls; `cosine` anneals it"
    )
    patience: int | None = key(10, "stop after this many epochs without a better val_loss; null disables")
    seed: int = key(0, "same seed, config and data: the same metrics on the CPU")
    checkpoint_every: float = key(
        5.0,
        "seconds between checkpoint writes at most (and after the first and the last epoch): a kill no "
        "signal announces (SIGKILL, a power cut) loses at most this much training; 0 writes every epoch",
    )
    device: str = key("auto", "`auto` (CUDA when present), `cpu`, `cuda`, `cuda:N`, `mps`")
    tracking: list[Literal["tensorboard", "mlflow"]] = key(
        doc="also log each epoch and the final scores to TensorBoard (under the run folder) and/or MLflow "
        "(MLFLOW_TRACKING_URI, else output.dir/mlflow.db); each needs its extra, rnncli[tensorboard] or "
        "rnncli[mlflow]",
        factory=list,
    )


@dataclass
class PredictConfig:
    coverage: float = key(0.9, "the coverage of prediction intervals in predict, evaluate and backtest")
    intervals: Literal["adaptive", "fixed"] = key(
        "adaptive", "`adaptive`: as wide as each window's own spread; `fixed`: one width per step"
    )
    online_step: float = key(
        0.0,
        "> 0 (e.g. 0.02): each series' intervals follow their own misses as the actual values become known",
    )
    clip_negative: bool = key(
        True, "forecasts of a target never negative in training are kept at or above zero"
    )


@dataclass
class OutputConfig:
    dir: str = key("runs", "where run folders go: <dir>/<name>/<stamp>")


@dataclass
class Config:
    name: str = key("", "names the run folder, <output.dir>/<name>/<stamp>")
    data: DataConfig = field(default_factory=DataConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    predict: PredictConfig = field(default_factory=PredictConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    # the dotted keys the user set (the rest are defaults)
    given: frozenset = field(default=frozenset(), repr=False, compare=False)
    # the dotted keys chosen from the data (the config left them out), each with its reason
    chosen: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        del out["given"], out["chosen"]
        return out


SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "window": WindowConfig,
    "model": ModelConfig,
    "train": TrainConfig,
    "predict": PredictConfig,
    "output": OutputConfig,
}
TOP_LEVEL = ("name",)
REQUIRED = ("data.path", "data.time_column", "data.target")


def known_keys() -> list[str]:
    """Every settable key, dotted: `name`, `data.path`, ..., `output.dir`."""
    keys = list(TOP_LEVEL)
    for section, cls in SECTIONS.items():
        keys += [f"{section}.{f.name}" for f in dataclasses.fields(cls)]
    return keys


def fields() -> dict[str, dataclasses.Field]:
    """Every settable key, dotted, and its field (type, default, doc)."""
    out = {"name": next(f for f in dataclasses.fields(Config) if f.name == "name")}
    for section, cls in SECTIONS.items():
        out.update({f"{section}.{f.name}": f for f in dataclasses.fields(cls)})
    return out


def hints() -> dict[str, Any]:
    """Every settable key, dotted, and its type (resolved from the annotations' text)."""
    import typing

    out = {"name": typing.get_type_hints(Config)["name"]}
    for section, cls in SECTIONS.items():
        out.update({f"{section}.{name}": hint for name, hint in typing.get_type_hints(cls).items()})
    return out


def doc(dotted: str) -> str:
    """What a key means, in one line."""
    return fields()[dotted].metadata.get("doc", "")
