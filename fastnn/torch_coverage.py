"""Which PyTorch names fastnn has, in one place: the conformance test
(tests/test_torch_coverage.py) checks every name listed as covered exists in
fastnn with PyTorch's parameters (names and defaults, compared with
``inspect.signature`` of the real PyTorch object where PyTorch is installed
and its object has a Python signature), and TORCH_NAMES.md is this list as a
table (``python -m fastnn.torch_coverage > TORCH_NAMES.md``).
"""
from __future__ import annotations

# (PyTorch module, fastnn module) -> names fastnn has under the same name
COVERED: dict[tuple[str, str], str] = {
    ("torch", "fastnn"): """
        tensor as_tensor from_numpy zeros ones zeros_like ones_like full full_like empty randn
        rand randint randn_like rand_like normal arange linspace eye manual_seed no_grad
        enable_grad is_grad_enabled is_tensor numel equal cat stack where matmul mm exp log sqrt
        abs pow square relu sigmoid tanh clamp clip sum mean max min argmax argmin maximum
        minimum norm var std reshape flatten squeeze unsqueeze transpose permute softmax
        log_softmax add sub mul div neg save load set_num_threads get_num_threads Tensor
        FloatTensor DoubleTensor LongTensor IntTensor ByteTensor BoolTensor float32 float64
        int64 int32 uint8 bool float double long Size compile""",
    ("torch.Tensor", "fastnn.Tensor"): """
        size shape dim ndim numel item tolist detach numpy backward grad requires_grad
        requires_grad_ retain_grad is_leaf grad_fn data dtype zero_ fill_ normal_ uniform_
        copy_ clone reshape view flatten squeeze unsqueeze transpose permute t T sum mean max
        min argmax argmin exp log sqrt abs pow square relu sigmoid tanh clamp norm var std
        softmax log_softmax matmul mm add sub mul div neg eq ne lt le gt ge all any type to
        float double long int bool cpu""",
    ("torch.nn", "fastnn.nn"): """
        Module Parameter Linear ReLU LeakyReLU Sigmoid Tanh GELU Softplus Softmax LogSoftmax
        Identity Flatten Dropout Sequential MSELoss L1Loss HuberLoss CrossEntropyLoss
        BCEWithLogitsLoss""",
    ("torch.nn.functional", "fastnn.nn.functional"): """
        linear relu leaky_relu sigmoid tanh gelu softplus softmax log_softmax dropout mse_loss
        l1_loss huber_loss cross_entropy binary_cross_entropy_with_logits""",
    ("torch.nn.init", "fastnn.nn.init"): """
        calculate_gain normal_ uniform_ zeros_ ones_ constant_ xavier_uniform_ xavier_normal_
        kaiming_uniform_ kaiming_normal_""",
    ("torch.nn.utils", "fastnn.nn.utils"): """
        clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters""",
    ("torch.nn.parallel", "fastnn.nn.parallel"): "DistributedDataParallel",
    ("torch.optim", "fastnn.optim"): "Optimizer SGD Adam AdamW Adagrad RMSprop",
    ("torch.optim.lr_scheduler", "fastnn.optim.lr_scheduler"): """
        StepLR MultiStepLR ExponentialLR CosineAnnealingLR LambdaLR ReduceLROnPlateau""",
    ("torch.utils.data", "fastnn.utils.data"): """
        Dataset TensorDataset DataLoader random_split Subset DistributedSampler""",
    ("torch.distributed", "fastnn.distributed"): """
        is_initialized get_rank get_world_size barrier all_reduce broadcast
        all_gather_object""",
}

# PyTorch parameters that fastnn does not take, and why (the conformance test
# skips exactly these).
IGNORED_PARAMETERS: dict[str, str] = {
    "out": "results are new tensors (no out= buffers in the Tensor API)",
    "size_average": "deprecated in PyTorch; use reduction=",
    "reduce": "deprecated in PyTorch; use reduction=",
    "weight": "per-element loss weights (PyTorch 2.x's mse_loss/l1_loss/huber_loss) are not supported",
    "_stacklevel": "PyTorch-internal",
    "pickle_module": "fastnn's files hold arrays and JSON, never pickles",
    "pickle_protocol": "fastnn's files hold arrays and JSON, never pickles",
    "_use_new_zipfile_serialization": "PyTorch-internal",
    "_disable_byteorder_record": "PyTorch-internal",
    "mmap": "files are read whole",
    "foreach": "fastnn's optimizers and clipping always take every tensor in one call",
    "fused": "fastnn's optimizer step is always one fused kernel",
    "capturable": "for CUDA graphs",
    "differentiable": "no autograd through an optimizer step",
    "decoupled_weight_decay": "Adam with decoupled weight decay is fastnn.optim.AdamW",
}

# Parameters whose default differs in form only.
SAME_MEANING_DEFAULTS: dict[tuple[str, str, str], str] = {
    ("torch.utils.data", "random_split", "generator"):
        "PyTorch's default is its global generator object; fastnn's None means its own "
        "global generator (fastnn.manual_seed)",
}

# Covered names whose parameters differ from PyTorch's by design (the
# conformance test checks only that they exist).
SIGNATURE_DIFFERS: dict[str, str] = {
    "torch.distributed": "MPI under the hood: no process groups, async ops or devices; "
                         "all_reduce(array, op='sum'|'mean'|'max') takes the array first and the "
                         "op as a string; all_gather_object(obj) returns the list",
    "torch.nn.parallel.DistributedDataParallel": "the module plus PyTorch's devices, process "
                                                 "group and bucket arguments (CPU and the whole "
                                                 "world only); no mixed precision or device mesh",
}

# Names a learner may meet that fastnn does not have (yet), and why.
NOT_COVERED: dict[str, str] = {
    "torch.nn.Conv2d, MaxPool2d, BatchNorm1d/2d, LayerNorm, Embedding, RNN, LSTM, GRU":
        "beyond the linear-network and MLP chapters fastnn is made for",
    "torch.Tensor.cuda, torch.device('cuda'), .to(device)": "fastnn runs on the CPU ('cpu' is accepted)",
    "torch.cumsum, prod, sort, topk, einsum, bmm, sin, cos, log1p":
        "not used by the chapters; numpy on .numpy() does them",
    "torch.Tensor.gather, scatter_, index_select, masked_fill, expand, repeat, chunk, split":
        "not used by the chapters",
    "torch.optim.Adadelta, Adamax, NAdam, RAdam, LBFGS": "not used by the chapters",
    "torch.optim.lr_scheduler.OneCycleLR, CyclicLR, LinearLR, CosineAnnealingWarmRestarts":
        "not used by the chapters",
    "torch.utils.data.ConcatDataset, IterableDataset, RandomSampler, BatchSampler, "
    "WeightedRandomSampler, default_collate":
        "DataLoader covers the chapters' uses (arrays, map-style datasets, samplers)",
    "DataLoader(batch_sampler=)": "give batch_size and a sampler",
    "Tensor.backward(create_graph=True, inputs=)": "first derivatives into every leaf only",
    "autograd.grad, torch.func, torch.jit": "not part of fastnn's design",
}


def covered() -> list[tuple[str, str, str]]:
    """[(torch module, fastnn module, name)] of every covered name.

    Returns
    -------
    list of (str, str, str)
        E.g. ``("torch.nn", "fastnn.nn", "Linear")``, in COVERED's order.
    """
    return [(t, f, name) for (t, f), names in COVERED.items() for name in names.split()]


def table() -> str:
    """TORCH_NAMES.md: the covered names by module and what is not covered.

    Returns
    -------
    str
        The Markdown text, ending with a newline.
    """
    lines = ["# PyTorch names in fastnn", "",
             "Generated from `fastnn/torch_coverage.py` (`python -m fastnn.torch_coverage > "
             "TORCH_NAMES.md`); the conformance test checks each covered name against PyTorch's "
             "own signature.", "",
             "## Covered", "", "| PyTorch | fastnn | names |", "| --- | --- | --- |"]
    for (t, f), names in COVERED.items():
        lines.append(f"| `{t}` | `{f}` | {', '.join(f'`{n}`' for n in names.split())} |")
    lines += ["", "## PyTorch parameters fastnn does not take", "",
              "| parameter | why |", "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in IGNORED_PARAMETERS.items()]
    lines += ["", "## Covered with other parameters, by design", "", "| PyTorch | how |",
              "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in SIGNATURE_DIFFERS.items()]
    lines += ["", "Defaults that differ in form only: " + "; ".join(
        f"`{m}.{n}({p}=)`: {why}" for (m, n, p), why in SAME_MEANING_DEFAULTS.items()) + ".", "",
        "## Not covered", "", "| PyTorch | why |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in NOT_COVERED.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
