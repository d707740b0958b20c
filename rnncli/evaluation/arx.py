"""The linear AR with the model's covariates ("linear AR + covariates"): the baseline that shows
what the network adds beyond a linear use of the same information.

For each target and horizon step h, a least-squares linear map from what the network reads: the
target's latest values, the covariates (past features and the columns known ahead) on the latest
rows, and the columns known at step h (the future features, the static features, the calendar),
with an intercept. One map for all series, on the scaled values the network reads (each series on
its own scale, a static feature telling series apart), fitted on the training windows. It joins
the baselines when the model reads covariates (`Prepared.has_covariates`).

The normal equations are accumulated in blocks, a batch of windows at a time: the part every step
shares (lags, past features, intercept) once, the known columns per step.
"""

from __future__ import annotations

import torch

from rnncli.data.prepared import Prepared
from rnncli.data.rows import sources

NAME = "linear_arx"
RIDGE = 1e-4  # times the mean of the diagonal: one-hot columns and a static feature repeat the intercept
MAX_LAGS = 64  # the target's latest values it weighs at most (the rest of a long window adds little)
MAX_COVARIATE_WEIGHTS = 256  # weights of the covariates on the latest rows: fewer rows for many columns


class LinearARX:
    def __init__(self, prepared: Prepared, without: frozenset[str] = frozenset()):
        """`without`: covariates (the file's columns) to leave out, to measure what they add."""
        spec, nt = prepared.spec, prepared.n_targets
        self.lookback, self.horizon, self.nt = spec.lookback, spec.horizon, nt
        self.lags = min(spec.lookback, MAX_LAGS)
        columns = len(prepared.columns)
        self.n_known = prepared.windows.n_known
        skip = set(range(nt)) | ({prepared.n_values} if prepared.masked else set())
        named = sources(prepared.schema, spec, prepared.masked)
        # past features, then the known ones
        self.covariates = [j for j in range(columns) if j not in skip and named[j] not in without]
        self.known = [j for j in range(columns - self.n_known, columns) if named[j] not in without]
        self.rows = max(1, min(self.lags, MAX_COVARIATE_WEIGHTS // max(1, len(self.covariates))))
        shared, known = self.lags + self.rows * len(self.covariates) + 1, len(self.known)
        h = self.horizon
        self.aa = torch.zeros(nt, shared, shared, dtype=torch.float64)
        self.ak = torch.zeros(nt, h, shared, known, dtype=torch.float64)
        self.kk = torch.zeros(h, known, known, dtype=torch.float64)
        self.ay = torch.zeros(nt, h, shared, dtype=torch.float64)
        self.ky = torch.zeros(nt, h, known, dtype=torch.float64)
        self.weights: tuple[torch.Tensor, torch.Tensor] | None = None  # (nt, h, shared), (nt, h, known)

    def _shared(self, w: torch.Tensor) -> torch.Tensor:
        """(B, targets, shared): each target's latest values, the covariates on the latest rows, 1."""
        lags = w[:, self.lookback - self.lags : self.lookback, : self.nt].transpose(1, 2)
        latest = w[:, self.lookback - self.rows : self.lookback][:, :, self.covariates]
        past = latest.flatten(1)[:, None, :].expand(-1, self.nt, -1)
        ones = torch.ones(len(w), self.nt, 1, dtype=w.dtype)
        return torch.cat([lags, past, ones], dim=2)

    def _known(self, w: torch.Tensor, steps: int) -> torch.Tensor:
        """(B, steps, known): the known columns of the rows forecast."""
        return w[:, self.lookback : self.lookback + steps][:, :, self.known]

    def add(self, w: torch.Tensor) -> None:
        """Scaled windows (B, lookback + horizon, columns) of training data."""
        w = w.double().cpu()
        a, k, y = self._shared(w), self._known(w, self.horizon), w[:, self.lookback :, : self.nt]
        self.aa += torch.einsum("bti,btj->tij", a, a)
        self.ak += torch.einsum("bti,bhk->thik", a, k)
        self.kk += torch.einsum("bhk,bhl->hkl", k, k)
        self.ay += torch.einsum("bti,bht->thi", a, y)
        self.ky += torch.einsum("bhk,bht->thk", k, y)

    def solve(self) -> LinearARX:
        s, h = self.aa.shape[1], self.horizon
        k = len(self.known)
        xtx = torch.zeros(self.nt, h, s + k, s + k, dtype=torch.float64)
        xtx[..., :s, :s] = self.aa[:, None]
        xtx[..., :s, s:] = self.ak
        xtx[..., s:, :s] = self.ak.transpose(2, 3)
        xtx[..., s:, s:] = self.kk[None]
        xty = torch.cat([self.ay, self.ky], dim=2)[..., None]
        size = torch.diagonal(xtx, dim1=2, dim2=3).mean(dim=2).clamp_min(1e-12)
        xtx = xtx + RIDGE * size[..., None, None] * torch.eye(s + k, dtype=torch.float64)
        solution = torch.linalg.lstsq(xtx, xty, driver="gelsd").solution[..., 0]
        self.weights = (solution[..., :s], solution[..., s:])
        self.aa = self.ak = self.kk = self.ay = self.ky = None
        return self

    def predict(self, w: torch.Tensor) -> torch.Tensor:
        """Scaled windows (B, lookback + horizon, columns) -> scaled forecasts (B, horizon, targets)."""
        w = w.double().cpu()
        short = self.lookback + self.horizon - w.shape[1]
        if short > 0:  # the rows past the steps asked for: their forecasts are not kept
            w = torch.cat([w, torch.zeros(len(w), short, w.shape[2], dtype=w.dtype)], dim=1)
        shared, known = self.weights
        out = torch.einsum("bti,thi->bht", self._shared(w), shared)
        if self.known:
            out = out + torch.einsum("bhk,thk->bht", self._known(w, self.horizon), known)
        return out

    def roll(self, w: torch.Tensor, steps: int) -> torch.Tensor:
        """(B, steps, targets) scaled: beyond its horizon, its own forecasts fed back as the latest
        target values, the known columns read from the rows `w` holds there (the past features
        stay those at the first origin: a model with past features forecasts one horizon)."""
        w, out, made = w.double().cpu().clone(), [], 0
        while made < steps:
            step = self.predict(w)
            out.append(step)
            made += self.horizon
            if made < steps:
                fed = min(self.horizon, self.lookback)
                w = w[:, self.horizon :].clone()
                w[:, self.lookback - fed : self.lookback, : self.nt] = step[:, -fed:]
        return torch.cat(out, dim=1)[:, :steps]


def fit(prepared: Prepared, chunks, without: frozenset[str] = frozenset()) -> LinearARX | None:
    """The linear AR with covariates (less those `without`) on `prepared`'s training windows
    (`chunks`: batches of their starts), None when the model reads no covariates."""
    if not prepared.has_covariates:
        return None
    arx = LinearARX(prepared, without)
    firsts = torch.tensor([lo + pad for lo, pad in zip(prepared.layout.offsets, prepared.pads)])
    for starts in chunks:
        series = prepared.layout.series_of(starts)
        starts = starts[starts >= firsts.to(starts.device)[series]]  # windows that read no padding
        if len(starts):
            arx.add(prepared.windows.gather(starts))
    return arx.solve()
