"""The stripe model of Section 6: data, one-hidden-layer net and its feature-regime training.

Data: x ~ N(0, I_d); the label depends on x_1 only (x_parallel), +1 inside the stripe
LOW < x_1 < HIGH and -1 outside. The two thresholds make both classes equally likely.

Net: f(x) = (1/h) sum_n beta_n relu(w_n . x / sqrt(d) + b_n), all parameters N(0, 1) at
initialisation. Training uses the alpha trick, F(x) = alpha (f(x) - f_0(x)) with f_0 the net at
initialisation (a frozen copy), so that a small alpha forces the weights to grow by a factor
~ alpha^(-1/2) and the net leaves the lazy regime (feature learning).

Loss: (h / alpha) * mean_mu l(y_mu F(x_mu)) with l the hinge max(0, 1 - z) or its smooth
version softplus(k (1 - z)) / k. The prefactor h / alpha makes each parameter's velocity
O(1) for any h and alpha, so one learning rate works across them. Full-batch gradient
descent runs until every training margin y F is at least 1 (the hinge loss is then exactly
zero), or until `max_steps`. In the tail of the fit only n_active << P margins are below 1 and
the mean-loss gradient shrinks as n_active / P, so plain GD needs a number of steps that grows
faster than P; the step is therefore multiplied by min(boost, P / n_active) (default boost 10),
a rescaling of time along the same gradient flow that keeps large P affordable on a CPU.
Computations are in float64 by default (float32 on request: about twice as fast per step, but
the fit is chaotic in float32: any change of summation order, from the BLAS build, the CPU or
the code, changes the trajectory and R_f at P >= 512 by several per cent).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass

import torch

from diffeo_stability.errors import TrainingDivergedError
from diffeo_stability.stripe.config import HIGH, LOW, StripeConfig
from diffeo_stability.stripe.measure import alignment_perp, relative_stability

log = logging.getLogger(__name__)

#: sharpness k of the soft hinge softplus(k (1 - z)) / k
SOFT_HINGE_SHARPNESS = 10.0
#: steps without a new minimum of the unfitted count before a boosted fit falls back to plain GD
STALL_STEPS = 5000


def stripe_label(x: torch.Tensor) -> torch.Tensor:
    """Labels +-1 (same dtype as x), shape (N,), of points x (N, d): +1 iff LOW < x_1 < HIGH."""
    inside = (x[:, 0] > LOW) & (x[:, 0] < HIGH)
    return inside.to(x.dtype) * 2 - 1


def sample_stripe(
    n: int, d: int, generator: torch.Generator, dtype: torch.dtype = torch.float64
) -> tuple[torch.Tensor, torch.Tensor]:
    """n points x ~ N(0, I_d), shape (n, d), and their labels, shape (n,)."""
    x = torch.randn(n, d, generator=generator, dtype=dtype)
    return x, stripe_label(x)


class StripeNet(torch.nn.Module):
    """f(x) = (1/h) sum_n beta_n relu(w_n . x / sqrt(d) + b_n); input (N, d), output (N,)."""

    def __init__(self, d: int, h: int, generator: torch.Generator, dtype: torch.dtype) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(h, d, generator=generator, dtype=dtype))
        self.b = torch.nn.Parameter(torch.randn(h, generator=generator, dtype=dtype))
        self.beta = torch.nn.Parameter(torch.randn(h, generator=generator, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = x @ self.w.T / math.sqrt(self.w.shape[1]) + self.b
        return torch.relu(pre) @ self.beta / self.beta.shape[0]


class AlphaModel(torch.nn.Module):
    """F(x) = alpha (f(x) - f_0(x)): the trained net minus its frozen initialisation."""

    def __init__(self, net: StripeNet, alpha: float) -> None:
        super().__init__()
        self.net = net
        self.alpha = alpha
        self.register_buffer("w0", net.w.detach().clone())
        self.register_buffer("b0", net.b.detach().clone())
        self.register_buffer("beta0", net.beta.detach().clone())

    def initial(self, x: torch.Tensor) -> torch.Tensor:
        """f_0(x), shape (N,)."""
        pre = x @ self.w0.T / math.sqrt(self.w0.shape[1]) + self.b0
        return torch.relu(pre) @ self.beta0 / self.beta0.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.alpha * (self.net(x) - self.initial(x))


def margin_loss(margins: torch.Tensor, loss: str) -> torch.Tensor:
    """Per-point loss of the margins z = y F, shape (N,)."""
    if loss == "hinge":
        return torch.relu(1 - margins)
    return torch.nn.functional.softplus(SOFT_HINGE_SHARPNESS * (1 - margins)) / (
        SOFT_HINGE_SHARPNESS
    )


def margin_loss_slope(margins: torch.Tensor, loss: str) -> torch.Tensor:
    """Derivative dl/dz of `margin_loss` at the margins z, shape (N,) (hinge: -1 below 1)."""
    if loss == "hinge":
        return -(margins < 1).to(margins.dtype)
    arg = SOFT_HINGE_SHARPNESS * (1 - margins)
    # torch's softplus is linear above its threshold (20): slope exactly 1 there
    return -torch.where(arg > 20, 1.0, torch.sigmoid(arg))


#: a step gathers the unfitted rows when they are at most this fraction of the points, and
#: otherwise multiplies the whole batch by zero slopes (cheaper than copying most rows)
GATHER_FRACTION = 0.5


def _gd_step(
    weights: torch.Tensor,
    beta: torch.Tensor,
    x1: torch.Tensor,
    act: torch.Tensor,
    dloss_df: torch.Tensor,
    lr: float,
) -> None:
    """One gradient-descent step in place on the hidden weights [w, b] (h, d + 1) and beta (h,).

    x1 (N, d + 1) holds the points scaled by 1/sqrt(d) with a column of ones, act (N, h) their
    hidden activations and dloss_df (N,) dL/df. With M = relu'(pre) (N, h) the gradients are
    dL/dbeta = act^T dL/df / h and dL/d[w, b] = (beta / h) * M^T (dL/df * x1).
    """
    h = beta.shape[0]
    g_beta = act.T @ dloss_df / h
    active_mask = torch.sign(act)  # relu'(pre): 1 where act > 0, else 0 (act >= 0)
    g_weights = (active_mask.T @ (dloss_df[:, None] * x1)) * (beta / h)[:, None]
    weights.sub_(lr * g_weights)
    beta.sub_(lr * g_beta)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of `train`: steps taken, whether all margins reached 1, final train error, and
    the step at which a stalled boosted fit fell back to plain GD (None if it never did)."""

    steps: int
    fitted: bool
    train_error: float
    wall_time_s: float
    fallback_step: int | None = None


def train(model: AlphaModel, x: torch.Tensor, y: torch.Tensor, config: StripeConfig) -> TrainResult:
    """Full-batch GD on (h/alpha) mean l(y F) until min margin >= 1 or config.max_steps.

    Late in training only a few margins are below 1 and the mean-loss gradient is ~ n_active / P:
    the step is then multiplied by min(boost, P / n_active) (the loss is divided by
    max(n_active, P / boost) instead of P). This rescales time along the gradient flow, so
    boost = 1 is plain GD and a moderate boost only makes the slow tail of the fit faster.
    With few points the boosted steps can cycle without fitting: when the number of unfitted
    points has not reached a new minimum for STALL_STEPS steps, training goes on as plain GD.
    """
    net, scale = model.net, config.h / config.alpha
    start = time.perf_counter()
    step = 0
    boost = config.boost
    fallback_step = None
    best, best_step = len(y) + 1, 0
    d = net.w.shape[1]
    with torch.no_grad():
        f0 = model.initial(x)  # f_0 is frozen: computed once
        # pre-activations x w^T / sqrt(d) + b as one product [x / sqrt(d), 1] [w, b]^T
        x1 = torch.cat([x / math.sqrt(d), torch.ones_like(x[:, :1])], dim=1)
        weights = torch.cat([net.w, net.b[:, None]], dim=1)
        beta = net.beta.detach().clone()
    while True:
        act = torch.relu_(x1 @ weights.T)
        margins = y * model.alpha * (act @ beta / beta.shape[0] - f0)
        unfitted = margins < 1
        n_active = int(unfitted.sum())
        if n_active == 0 or step == config.max_steps:
            break
        if n_active < best:
            best, best_step = n_active, step
        elif boost > 1 and step - best_step >= STALL_STEPS:
            log.info("step %d: stalled at %d unfitted points, plain GD from here", step, best)
            boost, fallback_step = 1.0, step
        denom = max(n_active, len(y) / boost)
        loss = scale * margin_loss(margins, config.loss).sum() / denom
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"stripe training diverged at step {step} (lr={config.lr}); lower --lr"
            )
        # zero on fitted points for the hinge, whose loss and gradient vanish there
        dloss_df = (scale / denom * model.alpha) * y * margin_loss_slope(margins, config.loss)
        if config.loss == "hinge" and n_active <= GATHER_FRACTION * len(y):
            rows = unfitted.nonzero().squeeze(1)
            x1_rows, act_rows = x1.index_select(0, rows), act.index_select(0, rows)
            _gd_step(weights, beta, x1_rows, act_rows, dloss_df[rows], config.lr)
        else:
            _gd_step(weights, beta, x1, act, dloss_df, config.lr)
        step += 1
        if step % 2000 == 0:
            log.info("step %d: %d / %d points unfitted", step, n_active, len(y))
    with torch.no_grad():
        net.w.copy_(weights[:, :d])
        net.b.copy_(weights[:, d])
        net.beta.copy_(beta)
        train_error = float((y * model(x) <= 0).to(x.dtype).mean())
    wall = time.perf_counter() - start
    return TrainResult(step, n_active == 0, train_error, wall, fallback_step)


def run_stripe(config: StripeConfig) -> dict[str, object]:
    """Train one net on P stripe points and measure it on n_test fresh points.

    Seeds: the training set and the initialisation come from `seed`, the test points and
    the noise from a second stream (seed + 2^31), so a run is reproducible on CPU.
    Returns the JSON record: the config plus R, D, G, alignment_perp (at init and trained),
    train/test error, steps, fitted and wall_time_s.
    """
    config.validate()
    from diffeo_stability.device import pick_device

    device = pick_device(config.device)
    dtype = getattr(torch, config.dtype)
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(config.seed)
    test_gen = torch.Generator().manual_seed(config.seed + 2**31)
    x, y = sample_stripe(config.P, config.d, gen, dtype)
    model = AlphaModel(StripeNet(config.d, config.h, gen, dtype), config.alpha)
    x_test, y_test = sample_stripe(config.n_test, config.d, test_gen, dtype)
    align_init = alignment_perp(model.net.w.detach(), model.net.beta.detach())
    result = train(model.to(device), x.to(device), y.to(device), config)
    model.cpu()
    stability = relative_stability(model, x_test, config.noise, test_gen)
    with torch.no_grad():
        test_error = float((y_test * model(x_test) <= 0).to(dtype).mean())
    record: dict[str, object] = asdict(config)
    record.update(stability)
    record.update(
        alignment_perp=alignment_perp(model.net.w.detach(), model.net.beta.detach()),
        alignment_perp_init=align_init,
        train_error=result.train_error,
        test_error=test_error,
        steps=result.steps,
        fitted=result.fitted,
        fallback_step=result.fallback_step,
        wall_time_s=time.perf_counter() - start,
    )
    return record
