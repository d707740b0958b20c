"""The run configuration's shape: one typed dataclass per section, with its defaults.

Every settable key is a field here (`known_keys` lists them dotted); `loading.py` fills them from
YAML and overrides, `coerce.py` gives each value its field's type and `validation.py` checks
ranges and combinations. Nothing here imports torch or pandas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

CALENDAR = ("hour", "dayofweek", "dayofyear", "month")


@dataclass
class DataConfig:
    path: str = ""
    time_column: str | list[str] = ""  # a list: the columns that hold year, month, day, hour, minute, second, in that order
    time_format: str | None = None  # strftime codes, e.g. "%d/%m/%Y": the one way to read every timestamp
    decimal: Literal[".", ","] = "."
    target: list[str] = field(default_factory=list)  # with layout wide: the columns to read, each its own series
    features: list[str] = field(default_factory=list)
    id_column: str | None = None
    layout: Literal["long", "wide"] = "long"  # wide: every target column is a series of one model, named by its column
    calendar: list[Literal["hour", "dayofweek", "dayofyear", "month"]] = field(default_factory=list)
    frequency: str | None = None
    timezone: str | None = None
    missing: Literal["interpolate", "ffill", "error"] = "interpolate"
    max_fill: float = 0.1  # the share of a series' values that may be filled at most
    max_gap: int | None = None
    duplicates: Literal["error", "mean", "last"] = "error"
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    val_steps: int | None = None  # the last steps of each series (before the test ones) to validate on, instead of a fraction
    test_steps: int | None = None  # the last steps of each series to test on, instead of a fraction
    train_end: str | None = None  # split by timestamps instead: the last one of each part (rows after test_end unused)
    val_end: str | None = None
    test_end: str | None = None
    scaler: Literal["standard", "minmax", "none"] = "standard"
    transform: Literal["none", "log"] = "none"  # log: log1p of the targets before scaling, for positive data that grows
    scale_per_series: bool = True
    season: int | None = None


@dataclass
class WindowConfig:
    lookback: int = 30
    horizon: int = 1
    mode: Literal["many_to_one", "many_to_many"] = "many_to_one"


@dataclass
class ModelConfig:
    cell: Literal["rnn", "gru", "lstm"] = "rnn"
    hidden_size: int = 64
    num_layers: int = 1
    nonlinearity: Literal["tanh", "relu"] = "tanh"
    dropout: float = 0.0
    normalize: Literal["none", "window", "last"] = "none"  # last: each window shifted by its last value (many_to_one)
    segment: int | None = None
    ensemble: int = 1  # > 1: that many members from different starts, forecasting their median
    quantiles: list[float] = field(default_factory=list)  # with train.loss pinball, e.g. [0.05, 0.5, 0.95]: the median is the forecast


@dataclass
class TrainConfig:
    loss: Literal["mse", "mae", "huber", "pinball"] = "mse"
    epochs: int = 50
    steps_per_epoch: int | None = None  # batches an epoch draws from the training windows, sampled at random; null: every window
    refit: bool = False  # after choosing the epochs on validation, train again on every row for the final checkpoint
    batch_size: int = 64
    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    lr: float = 0.001
    weight_decay: float = 0.0
    clip_grad_norm: float | None = 1.0
    clip_grad_value: float | None = None
    scheduler: Literal["none", "plateau", "cosine"] = "none"
    patience: int | None = 10
    seed: int = 0
    device: str = "auto"


@dataclass
class PredictConfig:
    coverage: float = 0.9
    intervals: Literal["adaptive", "fixed"] = "adaptive"  # adaptive: as wide as each window's own spread; fixed: one width per step
    online_step: float = 0.0  # > 0: each series' interval level follows its own misses as actual values become known (e.g. 0.02)
    clip_negative: bool = True  # forecasts of a target never negative in training are kept at or above zero


@dataclass
class OutputConfig:
    dir: str = "runs"


@dataclass
class Config:
    name: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    predict: PredictConfig = field(default_factory=PredictConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    given: frozenset = field(default=frozenset(), repr=False, compare=False)  # the dotted keys the user set (the rest are defaults)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        del out["given"]
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


def known_keys() -> list[str]:
    """Every settable key, dotted: `name`, `data.path`, ..., `output.dir`."""
    keys = list(TOP_LEVEL)
    for section, cls in SECTIONS.items():
        keys += [f"{section}.{f.name}" for f in dataclasses.fields(cls)]
    return keys
