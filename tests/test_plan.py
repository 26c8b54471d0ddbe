"""The compiled step and the compiled forward (fastnn.plan, csrc/plan.c).

N compiled steps end in the bits of N eager steps (parameters, gradients,
optimizer state, losses), over a pairwise cover of the layers, losses,
optimizers, dtypes, thread counts, clipping and parameter groups; what the
planner cannot take runs eagerly and says why; changes users make between
steps are honoured; fit and d2l's helpers run one C call per step."""
import random
import warnings

import numpy as np
import pytest

import fastnn as fnn
from fastnn import _C, nn, optim
from fastnn.nn import functional as F

IN, OUT = 6, 5


# ---- models --------------------------------------------------------------------------

class SeedsNet(nn.Module):
    """The seeds' own class: one ReLU module called after each hidden layer."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(IN, 9)
        self.layer2 = nn.Linear(9, 7)
        self.layer3 = nn.Linear(7, 6)
        self.layer4 = nn.Linear(6, OUT)
        self.activation = nn.ReLU()

    def forward(self, x):
        x = self.activation(self.layer1(x))
        x = self.activation(self.layer2(x))
        x = self.activation(self.layer3(x))
        return self.layer4(x)


class Functional(nn.Module):
    """Chapter-style code: functions and methods between the layers."""

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(IN, 10)
        self.lin2 = nn.Linear(10, 8)
        self.lin3 = nn.Linear(8, 8)
        self.lin4 = nn.Linear(8, OUT)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        h = F.relu(self.lin1(x))
        h = F.dropout(h, 0.25, self.training)
        h = fnn.sigmoid(self.lin2(h))
        h = self.lin3(h).tanh()
        h = F.leaky_relu(h, 0.2)
        return self.lin4(h)


def seq_relu():
    return nn.Sequential(nn.Linear(IN, 16), nn.ReLU(), nn.Linear(16, 12), nn.ReLU(),
                         nn.Linear(12, OUT))


def seq_mixed():
    return nn.Sequential(nn.Flatten(), nn.Linear(IN, 16), nn.Sigmoid(), nn.Dropout(0.3),
                         nn.Linear(16, 12), nn.Tanh(), nn.Identity(), nn.Linear(12, OUT))


def seq_smooth():
    return nn.Sequential(nn.Linear(IN, 11), nn.LeakyReLU(0.1), nn.Linear(11, 9), nn.GELU(),
                         nn.Linear(9, 9), nn.Softplus(beta=2.0), nn.Linear(9, OUT))


def seq_odd():
    return nn.Sequential(nn.Linear(IN, 10, bias=False), nn.LeakyReLU(-0.2), nn.Dropout(0.5),
                         nn.Linear(10, 10), nn.GELU("tanh"), nn.Linear(10, OUT, bias=False))


def seq_wide():
    # large enough that the kernels split their work over 2 threads
    return nn.Sequential(nn.Linear(IN, 700), nn.ReLU(), nn.Dropout(0.2), nn.Linear(700, 300),
                         nn.Tanh(), nn.Linear(300, OUT))


MODELS = {"seq_relu": seq_relu, "seq_mixed": seq_mixed, "seq_smooth": seq_smooth,
          "seq_odd": seq_odd, "seq_wide": seq_wide, "seeds_class": SeedsNet,
          "functional": Functional}

# ---- losses: (the loss, the targets for a batch of outputs (M, OUT)) ---------------------


def _labels(rng, M):
    return fnn.tensor(rng.integers(0, OUT, M))


def _probs(rng, M, dtype):
    q = rng.random((M, OUT)).astype(dtype)
    return fnn.tensor(q / q.sum(axis=1, keepdims=True))


LOSSES = {
    "ce": (lambda dt: nn.CrossEntropyLoss(), lambda rng, M, dt: _labels(rng, M)),
    "ce_options": (lambda dt: nn.CrossEntropyLoss(
        weight=fnn.tensor(np.linspace(0.5, 2.0, OUT).astype(dt)), ignore_index=1,
        reduction="sum", label_smoothing=0.1), lambda rng, M, dt: _labels(rng, M)),
    "ce_probs": (lambda dt: nn.CrossEntropyLoss(label_smoothing=0.05),
                 lambda rng, M, dt: _probs(rng, M, dt)),
    "mse": (lambda dt: nn.MSELoss(),
            lambda rng, M, dt: fnn.tensor(rng.standard_normal((M, OUT)).astype(dt))),
    "l1": (lambda dt: nn.L1Loss(reduction="sum"),
           lambda rng, M, dt: fnn.tensor(rng.standard_normal((M, OUT)).astype(dt))),
    "huber": (lambda dt: nn.HuberLoss(delta=0.5),
              lambda rng, M, dt: fnn.tensor(2 * rng.standard_normal((M, OUT)).astype(dt))),
    "bce": (lambda dt: nn.BCEWithLogitsLoss(
        weight=fnn.tensor(np.linspace(0.5, 1.5, OUT).astype(dt)),
        pos_weight=fnn.tensor(np.linspace(2.0, 0.5, OUT).astype(dt))),
        lambda rng, M, dt: fnn.tensor((rng.random((M, OUT)) > 0.5).astype(dt))),
}

OPTIMIZERS = {
    "sgd": lambda params: optim.SGD(params, lr=0.05),
    "sgd_momentum": lambda params: optim.SGD(params, lr=0.05, momentum=0.9, dampening=0.1,
                                             weight_decay=1e-3),
    "sgd_nesterov": lambda params: optim.SGD(params, lr=0.005, momentum=0.8, nesterov=True,
                                             maximize=True),
    "adam": lambda params: optim.Adam(params, lr=0.01, weight_decay=1e-3, amsgrad=True),
    "adamw": lambda params: optim.AdamW(params, lr=0.01, betas=(0.8, 0.99)),
    "rmsprop": lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True,
                                            weight_decay=1e-4),
    "rmsprop_plain": lambda params: optim.RMSprop(params, lr=0.005),
    "adagrad": lambda params: optim.Adagrad(params, lr=0.05, lr_decay=0.01,
                                            initial_accumulator_value=0.1),
}

FACTORS = {
    "model": sorted(MODELS),
    "loss": sorted(LOSSES),
    "optimizer": sorted(OPTIMIZERS),
    "dtype": ["float32", "float64"],
    "threads": [1, 2],
    "clip": [None, 0.5],
    "groups": ["one", "two"],
}


def pairwise(factors, tries=60, seed=1):
    """Rows of factor values that put every pair of values of two factors
    together at least once (a greedy covering array, the same every run)."""
    names = list(factors)
    sizes = [len(factors[n]) for n in names]
    todo = {(i, a, j, b) for i in range(len(names)) for j in range(i + 1, len(names))
            for a in range(sizes[i]) for b in range(sizes[j])}
    pick = random.Random(seed)
    rows = []
    while todo:
        i, a, j, b = min(todo)
        best, best_cover = None, -1
        for _ in range(tries):
            row = [pick.randrange(n) for n in sizes]
            row[i], row[j] = a, b
            cover = sum((p, row[p], q, row[q]) in todo
                        for p in range(len(names)) for q in range(p + 1, len(names)))
            if cover > best_cover:
                best, best_cover = row, cover
        todo -= {(p, best[p], q, best[q]) for p in range(len(names))
                 for q in range(p + 1, len(names))}
        rows.append({n: factors[n][v] for n, v in zip(names, best)})
    return rows


CASES = pairwise(FACTORS)


def _groups(model, how, make_opt):
    if how == "one":
        return make_opt(model.parameters())
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if not n.endswith("weight")]
    groups = [{"params": weights, "weight_decay": 1e-2}]
    if biases:
        groups.append({"params": biases})
    return make_opt(groups)


def _batches(case, n=20, seed=3):
    rng = np.random.default_rng(seed)
    dt = np.dtype(case["dtype"])
    big = case["model"] == "seq_wide"
    out = []
    for k in range(n):
        M = (256 if k % 4 else 61) if big else (16 if k % 4 else 7)
        X = fnn.tensor(rng.standard_normal((M, IN)).astype(dt))
        out.append((X, LOSSES[case["loss"]][1](rng, M, dt)))
    return out


def _train(case, compiled, batches, threads=1):
    dt = np.dtype(case["dtype"])
    fnn.manual_seed(7)
    model = MODELS[case["model"]]().to(dt)
    opt = _groups(model, case["groups"], OPTIMIZERS[case["optimizer"]])
    loss_fn = LOSSES[case["loss"]][0](dt)
    fnn.manual_seed(11)                  # the dropout masks come from here
    before = fnn.get_num_threads()
    fnn.set_num_threads(threads)
    losses = []
    try:
        # no finite check: the eager loop here has none either
        step = fnn.compile_step(model, loss_fn, opt, max_norm=case["clip"],
                                check_finite=False) if compiled else None
        for X, y in batches:
            if compiled:
                loss = step(X, y)
            else:
                opt.zero_grad()
                loss = loss_fn(model(X), y)
                loss.backward()
                if case["clip"] is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), case["clip"])
                opt.step()
            losses.append(loss.numpy().tobytes())
    finally:
        fnn.set_num_threads(before)
    return model, opt, losses, step


def _state_bytes(opt):
    sd = opt.state_dict()
    return {k: {n: (v.tobytes() if isinstance(v, np.ndarray) else v) for n, v in st.items()}
            for k, st in sd["state"].items()}


def assert_same_training(a, b):
    """Two (model, optimizer, losses) runs ended in the same bits."""
    (m1, o1, l1), (m2, o2, l2) = a[:3], b[:3]
    assert l1 == l2
    for (name, p), q in zip(m1.named_parameters(), m2.parameters()):
        assert p._data.tobytes() == q._data.tobytes(), name
        g1, g2 = p.grad, q.grad
        assert (g1 is None) == (g2 is None), name
        if g1 is not None:
            assert g1._data.tobytes() == g2._data.tobytes(), name
    assert _state_bytes(o1) == _state_bytes(o2)


def _case_id(case):
    return "-".join(str(v) for v in case.values())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_compiled_steps_give_the_eager_bits(case):
    batches = _batches(case)
    eager = _train(case, False, batches, threads=1)
    compiled = _train(case, True, batches, threads=case["threads"])
    assert compiled[3].reason is None, compiled[3].reason
    assert_same_training(eager, compiled)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_clipped_steps_over_gradients_of_many_blocks_give_the_eager_bits(seed):
    """clip_grad_norm_ over gradients that span several of the norm kernel's
    blocks (the 700x300 weight): the plan, which sums all buffers in one
    kernel call, adds each buffer's sum to the total as the eager call does
    buffer by buffer (they once differed in the last bit of the norm)."""
    case = {"model": "seq_wide", "loss": "ce_options", "optimizer": "rmsprop",
            "dtype": "float64", "threads": 1, "clip": 0.5, "groups": "two"}
    batches = _batches(case, n=8, seed=seed)
    eager = _train(case, False, batches)
    compiled = _train(case, True, batches)
    assert compiled[3].reason is None, compiled[3].reason
    assert_same_training(eager, compiled)


def test_the_pairwise_cover_covers_every_pair():
    names = list(FACTORS)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            want = {(x, y) for x in FACTORS[a] for y in FACTORS[b]}
            assert want <= {(c[a], c[b]) for c in CASES}, (a, b)
    assert len(CASES) < 100


# ---- what runs eagerly, and says why -----------------------------------------------------

class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(IN, 8), nn.Linear(8, 8), nn.Linear(8, OUT)

    def forward(self, x):
        h = F.relu(self.a(x))
        return self.c(h + F.relu(self.b(h)))


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(IN, 8), nn.Linear(8, OUT)

    def forward(self, x):
        return self.b(F.relu(self.a(x)) * 2.0)


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(IN, IN)

    def forward(self, x):
        return self.a(F.relu(self.a(x)))


class WithSoftmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(IN, OUT)

    def forward(self, x):
        return F.softmax(self.a(x), 1)


class SlowSGD(optim.SGD):
    """An optimizer whose update is Python code."""

    def _update(self, p, grad, group):
        p._data -= group["lr"] * grad


@pytest.mark.parametrize("make, opt, loss, why", [
    (Residual, "sgd", "ce", "does not take the output of the op before it"),
    (Scaled, "sgd", "ce", "does not take the output of the op before it"),
    (Tied, "sgd", "mse6", "tied weights"),
    (WithSoftmax, "sgd", "ce", "cross_entropy does not take the output of the op before it"),
    (seq_relu, "slow", "ce", "updates in Python"),
    (seq_relu, "sgd", "lambda", "runs no loss the planner knows"),
])
def test_what_the_planner_cannot_take_runs_eagerly_and_says_why(make, opt, loss, why):
    rng = np.random.default_rng(0)
    out = IN if loss == "mse6" else OUT
    batches = [(fnn.tensor(rng.standard_normal((9, IN)).astype(np.float32)),
                fnn.tensor(rng.standard_normal((9, out)).astype(np.float32)) if loss != "ce"
                else _labels(rng, 9)) for _ in range(4)]
    losses = {"ce": nn.CrossEntropyLoss, "mse6": nn.MSELoss,
              "lambda": lambda: (lambda o, y: ((o - y) ** 2).mean())}

    def run(compiled):
        fnn.manual_seed(3)
        model = make()
        o = SlowSGD(model.parameters(), lr=0.1) if opt == "slow" else optim.SGD(
            model.parameters(), lr=0.1)
        loss_fn = losses[loss]()
        step = fnn.compile_step(model, loss_fn, o) if compiled else None
        out = []
        for X, y in batches:
            if compiled:
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    out.append(step(X, y).item())
                if len(out) == 1:
                    assert len(w) == 1 and why in str(w[0].message)
                else:
                    assert not w                    # one warning, on first use
            else:
                o.zero_grad()
                l = loss_fn(model(X), y)
                l.backward()
                o.step()
                out.append(l.item())
        return model, out, step

    m1, l1, _ = run(False)
    m2, l2, step = run(True)
    assert why in step.reason
    assert l1 == l2
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data)


def test_a_parameter_the_optimizer_does_not_hold_runs_eagerly():
    model = seq_relu()
    opt = optim.SGD(list(model.parameters())[:2], lr=0.1)
    step = fnn.compile_step(model, nn.CrossEntropyLoss(), opt, warn=False)
    X = fnn.randn(8, IN)
    step(X, fnn.tensor(np.zeros(8, np.int64)))
    assert "is not in the optimizer" in step.reason and "'2.weight'" in step.reason


# ---- changes between steps ------------------------------------------------------------------

def _pair_of_runs(body, seed=5):
    """body(model, opt, step_fn) for an eager and a compiled step function;
    returns both (model, opt, losses) triples."""
    results = []
    for compiled in (False, True):
        fnn.manual_seed(seed)
        model = nn.Sequential(nn.Linear(IN, 12), nn.ReLU(), nn.Dropout(0.3), nn.Linear(12, OUT))
        opt = optim.Adam(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        compiled_step = fnn.compile_step(model, loss_fn, opt)

        def eager_step(X, y, model=model, opt=opt, loss_fn=loss_fn):
            opt.zero_grad()
            l = loss_fn(model(X), y)
            l.backward()
            opt.step()
            return l

        losses = body(model, opt, compiled_step if compiled else eager_step)
        results.append((model, opt, [np.asarray(v).tobytes() for v in losses], compiled_step))
        if compiled:
            assert compiled_step.reason is None, compiled_step.reason
    return results


def _data(k, M=10, seed=0):
    rng = np.random.default_rng(seed + k)
    return (fnn.tensor(rng.standard_normal((M, IN)).astype(np.float32)), _labels(rng, M))


def test_schedulers_group_edits_modes_and_loads_are_honoured():
    def body(model, opt, step):
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        out = []
        for k in range(24):
            out.append(step(*_data(k, 10 if k % 5 else 3)).numpy().copy())
            sched.step()
            if k == 6:
                opt.param_groups[0]["weight_decay"] = 0.01
            if k == 8:
                model.eval()                   # dropout off
            if k == 11:
                model.train()
            if k == 13:
                model[3].weight.data = model[3].weight.data * 0.5      # same shape: copied in
            if k == 15:
                sd = fnn.plan._param_names  # noqa: F841 (the module is reachable)
                opt.load_state_dict(opt.state_dict())
                model.load_state_dict(model.state_dict())
            if k == 17:
                model[2].p = 0.1               # a module attribute edited
            if k == 19:                        # one eager step in between
                opt.zero_grad()
                l = nn.CrossEntropyLoss()(model(_data(99)[0]), _data(99)[1])
                l.backward()
                opt.step()
        return out

    (m1, o1, l1, _), (m2, o2, l2, _) = _pair_of_runs(body)
    assert_same_training((m1, o1, l1), (m2, o2, l2))


def test_a_parameter_replaced_by_another_shape_plans_again():
    def body(model, opt, step):
        out = [step(*_data(k)).numpy().copy() for k in range(3)]
        model.double()                 # the parameters move to new arrays (and back)
        model.float()
        return out + [step(*_data(k)).numpy().copy() for k in range(3, 6)]

    (m1, o1, l1, _), (m2, o2, l2, s) = _pair_of_runs(body)
    assert l1 == l2
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data)


def test_grads_after_a_compiled_step_and_a_held_grad_keeps_its_values():
    fnn.manual_seed(0)
    model = seq_relu()
    opt = optim.SGD(model.parameters(), lr=0.1)
    step = fnn.compile_step(model, nn.CrossEntropyLoss(), opt)
    step(*_data(0))
    held = model[0].weight.grad
    kept = held.numpy().copy()
    step(*_data(1))
    assert np.array_equal(held.numpy(), kept)            # PyTorch: zero_grad set it aside
    assert not np.array_equal(model[0].weight.grad.numpy(), kept)
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    step(*_data(2))
    assert all(p.grad is not None for p in model.parameters())


def test_a_nonfinite_loss_raises_and_updates_nothing():
    fnn.manual_seed(0)
    model = seq_relu()
    opt = optim.Adam(model.parameters(), lr=0.1)
    step = fnn.compile_step(model, nn.MSELoss(), opt)
    X = fnn.randn(8, IN)
    step(X, fnn.zeros(8, OUT))
    before = [p._data.copy() for p in model.parameters()]
    state = _state_bytes(opt)
    with pytest.raises(FloatingPointError, match="no parameter was updated"):
        step(X, fnn.full((8, OUT), float("inf")))
    assert all(np.array_equal(a, p._data) for a, p in zip(before, model.parameters()))
    assert _state_bytes(opt) == state
    step(X, fnn.zeros(8, OUT))                              # and it goes on


def test_a_label_out_of_range_is_the_eager_error():
    model = seq_relu()
    step = fnn.compile_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    X = fnn.randn(4, IN)
    step(X, fnn.tensor(np.array([0, 1, 2, 3])))
    with pytest.raises(ValueError) as planned:
        step(X, fnn.tensor(np.array([0, 1, 7, 3])))
    with pytest.raises(ValueError) as eager:
        nn.CrossEntropyLoss()(model(X), fnn.tensor(np.array([0, 1, 7, 3])))
    assert str(planned.value) == str(eager.value)


def test_the_step_keeps_the_generator_in_step_with_eager():
    """The recording draws no dropout seeds of its own: after N compiled steps
    fastnn's generator is where N eager steps leave it."""
    def body(model, opt, step):
        out = [step(*_data(k)).numpy().copy() for k in range(5)]
        return out + [fnn.rand(3).numpy()]

    (m1, o1, l1, _), (m2, o2, l2, _) = _pair_of_runs(body)
    assert l1 == l2


# ---- compile(model): the inference plan ------------------------------------------------------

@pytest.mark.parametrize("make", [seq_relu, seq_mixed, seq_smooth, SeedsNet, Functional])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_forward_gives_the_eager_bits(make, dtype, threads):
    fnn.manual_seed(1)
    model = make().to(np.dtype(dtype))
    cm = fnn.compile(model)
    rng = np.random.default_rng(2)
    for M in (1, 3, 64, 1):
        x = rng.standard_normal((M, IN)).astype(dtype)
        for mode in ("eval", "train"):
            getattr(model, mode)()
            fnn.manual_seed(M)
            with fnn.no_grad():
                want = model(fnn.tensor(x)).numpy()
            fnn.manual_seed(M)
            with fnn.no_grad():
                got_t = cm(fnn.tensor(x))
            fnn.manual_seed(M)
            with fnn.no_grad():
                got_a = cm(x)
            assert cm.reason is None, cm.reason
            assert isinstance(got_t, fnn.Tensor) and isinstance(got_a, np.ndarray)
            assert got_t.numpy().tobytes() == want.tobytes() == got_a.tobytes()


def test_compiled_forward_takes_any_input_the_model_takes():
    """Inputs the plan does not take as they are run eagerly, with the
    eager results: a transposed view, no rows, another dtype."""
    fnn.manual_seed(2)
    model = seq_relu()
    cm = fnn.compile(model)
    x = np.asfortranarray(np.random.default_rng(3).standard_normal((5, IN)).astype(np.float32))
    with fnn.no_grad():
        assert np.array_equal(cm(x), model(fnn.tensor(x)).numpy())
        assert cm(np.zeros((0, IN), np.float32)).shape == (0, OUT)
        with pytest.raises(TypeError):
            cm(np.zeros((2, IN), np.float64))


def test_a_batch_that_requires_grad_runs_eagerly():
    model = seq_relu()
    step = fnn.compile_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                            warn=False)
    X = fnn.randn(4, IN, requires_grad=True)
    step(X, fnn.tensor(np.array([0, 1, 2, 3])))
    assert X.grad is not None and step.reason == "the batch requires grad"


def test_compiled_module_under_autograd_is_the_model():
    model = seq_relu()
    cm = fnn.compile(model)
    X = fnn.randn(5, IN)
    out = cm(X)
    assert out.requires_grad
    out.sum().backward()
    assert model[0].weight.grad is not None
    assert list(cm.state_dict()) == ["_orig_mod." + k for k in model.state_dict()]
    assert list(cm.parameters()) == list(model.parameters())


def test_compile_arguments_as_torch_compile():
    model = seq_relu()
    assert fnn.compile(model, disable=True) is model
    assert fnn.compile(len) is len                        # not a Module: as it is
    deco = fnn.compile(mode="max-autotune", dynamic=True)
    assert isinstance(deco(model), fnn.plan.CompiledModule)
    strict = fnn.compile(Residual(), fullgraph=True)
    with fnn.no_grad(), pytest.raises(RuntimeError, match="cannot be planned"):
        strict(fnn.randn(2, IN))
    loose = fnn.compile(Residual())
    with fnn.no_grad():
        out = loose(fnn.randn(2, IN))
    assert out.shape == (2, OUT) and "does not take the output" in loose.reason


# ---- fit and d2l: one C call per step ----------------------------------------------------------

def _count_kernel_calls(monkeypatch):
    """Count the calls of the eager path's kernels and of StepPlan.run."""
    counts = {"run": 0, "eager": 0}
    real_run = _C.StepPlan.run

    class Counted(_C.StepPlan):
        def run(self, *args, **kwargs):
            counts["run"] += 1
            return real_run(self, *args, **kwargs)

    monkeypatch.setattr(_C, "StepPlan", Counted)
    for name in ("linear", "linear_backward", "linear_backward_into", "linear_chain_forward",
                 "linear_chain_backward", "softmax_cross_entropy", "optim_step", "relu",
                 "dropout"):
        real = getattr(_C, name)

        def counted(*args, _real=real, **kwargs):
            counts["eager"] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(_C, name, counted)
    return counts


def test_fit_runs_one_c_call_per_step_with_the_eager_history(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, IN)).astype(np.float32)
    y = rng.integers(0, OUT, 100)

    def run(compile):
        fnn.manual_seed(0)
        model = nn.Sequential(nn.Linear(IN, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, OUT))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loader = fnn.data.DataLoader((X, y), batch_size=32, shuffle=True, seed=1)
        hist = fnn.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2,
                             val_data=loader, metrics=("accuracy", "qmean"), progress=False,
                             compile=compile)
        return model, hist

    m1, h1 = run(False)
    counts = _count_kernel_calls(monkeypatch)
    m2, h2 = run(True)
    steps = 2 * 4
    assert counts["run"] == steps + 1          # one per step, and the recorded forward's check
    keys = ("loss", "accuracy", "qmean", "val_loss", "val_accuracy")
    assert [[e[k] for k in keys] for e in h1.epochs] == [[e[k] for k in keys] for e in h2.epochs]
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert p._data.tobytes() == q._data.tobytes()


def test_fit_compile_false_runs_eagerly(monkeypatch):
    counts = _count_kernel_calls(monkeypatch)
    model = seq_relu()
    data = [(fnn.randn(8, IN), fnn.tensor(np.zeros(8, np.int64)))]
    fnn.train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), data,
                  epochs=1, progress=False, compile=False)
    assert counts["run"] == 0 and counts["eager"] > 0


def test_d2l_train_epoch_runs_the_plan_with_d2ls_arithmetic(monkeypatch):
    """d2l back-propagates l.mean() of per-sample losses: the plan scales
    their gradients as that mean's backward does, and gives d2l's figures."""
    from fastnn import d2l
    rng = np.random.default_rng(1)
    X = rng.standard_normal((70, IN)).astype(np.float32)
    y = rng.integers(0, OUT, 70)

    def run(planned):
        fnn.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(IN, 12), nn.ReLU(), nn.Linear(12, OUT))
        loss = nn.CrossEntropyLoss(reduction="none")
        updater = optim.SGD(net.parameters(), lr=0.1)
        it = fnn.data.DataLoader((X, y), batch_size=32)      # a short last batch
        if planned:
            return net, d2l.train_epoch_ch3(net, it, loss, updater)
        metric = d2l.Accumulator(3)                          # d2l's own loop, as written
        net.train()
        for Xb, yb in it:
            y_hat = net(Xb)
            l = loss(y_hat, yb)
            updater.zero_grad()
            l.mean().backward()
            updater.step()
            metric.add(float(l.sum()), d2l.accuracy(y_hat, yb), yb.numel())
        return net, (metric[0] / metric[2], metric[1] / metric[2])

    n1, r1 = run(False)
    counts = _count_kernel_calls(monkeypatch)
    n2, r2 = run(True)
    assert counts["run"] == 3 + 1 and r1 == r2
    for p, q in zip(n1.parameters(), n2.parameters()):
        assert p._data.tobytes() == q._data.tobytes()


# ---- the binding refuses what would be unsafe ------------------------------------------------

def test_step_plan_checks_its_arrays():
    W = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="weight must be"):
        _C.StepPlan(np.float32, 5, [{"kind": "linear", "weight": W}], None, None, [], [])
    with pytest.raises(ValueError, match="plan's dtype"):
        _C.StepPlan(np.float32, 3, [{"kind": "linear", "weight": W.astype(np.float64)}], None,
                    None, [], [])
    with pytest.raises(TypeError):
        _C.StepPlan(np.int32, 3, [{"kind": "linear", "weight": W}], None, None, [], [])
    sp = _C.StepPlan(np.float32, 3, [{"kind": "linear", "weight": W}], None, None, [], [])
    out = np.empty((2, 4), np.float32)
    with pytest.raises(ValueError, match="x must be"):
        sp.run(np.zeros((2, 4), np.float32), None, None, None, None, 0, None, 1, out)
    with pytest.raises(ValueError, match="out must be"):
        sp.run(np.zeros((2, 3), np.float32), None, None, None, None, 0, None, 1, out[:, :2])
    with pytest.raises(ValueError, match="out must be"):
        sp.run(np.zeros((3, 3), np.float32), None, None, None, None, 0, None, 1, out)
    with pytest.raises(ValueError, match="forward alone"):  # no loss in an inference plan
        sp.run(np.zeros((2, 3), np.float32), None, None, None, None, 0, None, 3, out)
    sp.run(np.ones((2, 3), np.float32), None, None, None, None, 0, None, 1, out)
    assert np.array_equal(out, np.zeros((2, 4), np.float32))


# ---- bad input: the compiled step does what the eager step does -----------------------------

def _mutations():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((8, IN)).astype(np.float32)
    y = rng.integers(0, OUT, 8)
    return {
        "valid": (X, y),
        "float64 batch": (X.astype(np.float64), y),
        "int batch": (X.astype(np.int64), y),
        "extra feature": (np.hstack([X, X[:, :1]]), y),
        "3-d batch": (X[:, :, None], y),
        "transposed view": (np.asfortranarray(X), y),
        "strided rows": (np.repeat(X, 2, axis=0)[::2], y),
        "no rows": (X[:0], y[:0]),
        "nan batch": (np.full_like(X, np.nan), y),
        "label out of range": (X, np.where(np.arange(8) == 3, OUT, y)),
        "negative label": (X, np.where(np.arange(8) == 5, -2, y)),
        "int32 labels": (X, y.astype(np.int32)),
        "float labels": (X, y.astype(np.float32)),
        "too few labels": (X, y[:5]),
        "2-d labels": (X, y[:, None]),
        "probabilities": (X, np.full((8, OUT), 1.0 / OUT, np.float32)),
        "probabilities float64": (X, np.full((8, OUT), 1.0 / OUT, np.float64)),
        "list labels": (X, y.tolist()),
    }


MUTATIONS = _mutations()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("wrap", ["tensor", "array"])
def test_bad_batches_meet_the_eager_steps_fate(name, wrap):
    """Each odd batch either fails in the compiled step as in the eager step
    (the same exception type and message) or trains to the same bits."""
    X, y = MUTATIONS[name]
    if wrap == "tensor":
        X = fnn.tensor(X)
        y = fnn.tensor(np.asarray(y)) if not isinstance(y, list) else y

    def run(compiled):
        fnn.manual_seed(4)
        model = seq_mixed()
        opt = optim.Adam(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        step = fnn.compile_step(model, loss_fn, opt, warn=False, check_finite=False)
        good = MUTATIONS["valid"]
        for _ in range(2):                       # a plan exists before the odd batch
            if compiled:
                step(fnn.tensor(good[0]), fnn.tensor(good[1]))
            else:
                opt.zero_grad()
                loss_fn(model(fnn.tensor(good[0])), fnn.tensor(good[1])).backward()
                opt.step()
        try:
            with np.errstate(all="ignore"):
                if compiled:
                    step(X, y)
                else:
                    Xt = X if isinstance(X, fnn.Tensor) else fnn.tensor(X)
                    opt.zero_grad()
                    loss_fn(model(Xt), y).backward()
                    opt.step()
        except Exception as e:                   # noqa: BLE001 - compared below
            return type(e), str(e)
        return [p._data.tobytes() for p in model.parameters()]

    assert run(True) == run(False)
