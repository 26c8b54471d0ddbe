# Binding of csrc/plan.c: a step plan (a chain of layers, its loss and its
# optimizer's update) made once from the arrays it works on and run in one
# call per step. fastnn.plan builds it from a model; the checks here keep
# memory safe (one float dtype, shapes that chain, C-contiguous aligned
# arrays, writeable outputs), and the plan keeps every array it points to.

from cpython.mem cimport PyMem_Free, PyMem_Malloc

cdef dict _PLAN_ACTS = {
    None: FNN_ACT_IDENTITY, "identity": FNN_ACT_IDENTITY, "relu": FNN_ACT_RELU,
    "leaky_relu": FNN_ACT_LEAKY_RELU, "sigmoid": FNN_ACT_SIGMOID, "tanh": FNN_ACT_TANH,
    "gelu": FNN_ACT_GELU, "gelu_tanh": FNN_ACT_GELU_TANH, "softplus": FNN_ACT_SOFTPLUS,
}
cdef dict _PLAN_LOSSES = {"mse": FNN_LOSS_MSE, "l1": FNN_LOSS_L1, "huber": FNN_LOSS_HUBER,
                          "bce_with_logits": FNN_LOSS_BCE_LOGITS,
                          "poisson_nll": FNN_LOSS_POISSON}

# The columns of StepPlan.hyper: one row of optimizer arguments per update
# segment (fnn_optim_args), read at every run.
HYPER_COLUMNS = ("lr", "weight_decay", "eps", "momentum", "dampening", "beta1", "beta2",
                 "alpha", "lr_decay", "step", "nesterov", "maximize", "decoupled", "first")
cdef enum:
    HYPER_COLS = 14
PHASE_FORWARD, PHASE_LOSS, PHASE_BACKWARD, PHASE_UPDATE = 1, 2, 4, 8
# StepPlan.run's statuses besides 0 (done)
PLAN_BAD_LABEL, PLAN_NONFINITE, PLAN_BUSY = 3, 4, -1
TIMER_NAMES = ("forward_gemm", "forward_other", "loss", "backward_gemm", "backward_other",
               "update")


cdef inline bint _plan_array(object a, int t, fnn_int n, bint write):
    """a is an ndarray of type t, n elements, C-contiguous and aligned (and
    writeable when `write`)."""
    if not cnp.PyArray_Check(a):
        return False
    cdef cnp.ndarray arr = <cnp.ndarray>a
    return (cnp.PyArray_TYPE(arr) == t and cnp.PyArray_SIZE(arr) == n and
            cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr) and
            (not write or cnp.PyArray_ISWRITEABLE(arr)))


cdef void *_plan_ptr(object a, int t, fnn_int n, bint write, str name) except? NULL:
    if a is None:
        return NULL
    if not _plan_array(a, t, n, write):
        raise ValueError(f"StepPlan: {name} must be a C-contiguous, aligned"
                         f"{', writeable' if write else ''} array of {n} elements of the "
                         "plan's dtype")
    return cnp.PyArray_DATA(<cnp.ndarray>a)


def _aligned_bytes(size_t n):
    """A uint8 array of n bytes whose first byte is on a 64-byte boundary."""
    raw = np.empty(n + 64, dtype=np.uint8)
    cdef size_t lead = (64 - (<size_t>cnp.PyArray_DATA(<cnp.ndarray>raw)) % 64) % 64
    return raw[lead:lead + n]


cdef class StepPlan:
    """A step plan (csrc/plan.c), made from arrays and run in one call.

    Parameters
    ----------
    dtype : numpy dtype
        float32 or float64: every array's.
    in_features : int
        Features per input row.
    layers : list of dict
        In order; each ``{"kind": "linear", "weight": W (out, in),
        "bias": b (out,) or None, "grad_weight": dW or None, "grad_bias": db
        or None, "activation": None or a fusable name, "negative_slope": s}``,
        ``{"kind": "act", "activation": name, "features": n,
        "negative_slope": s, "beta": b, "threshold": t, "from_input": bool}``
        or ``{"kind": "dropout", "features": n, "p": p}``.
    loss : dict or None
        ``{"kind": "cross_entropy" | "mse" | "l1" | "huber" |
        "bce_with_logits" | "poisson_nll", "reduction": "mean" | "sum" | "none",
        "weight": class weights (C,) or None, "label_smoothing",
        "ignore_index", "delta"}``; None for an inference plan.
    optimizer : str or None
        The update's kernel ("sgd", "adam", "adagrad", "rmsprop").
    updates : list of tuple
        ``(param, grad, s1, s2, s3)`` per update segment (arrays, None for
        an unused state buffer); their arguments go in ``hyper``.
    clip : list of ndarray
        The gradient buffers clip_grad_norm_ sums, in its order.

    Attributes
    ----------
    hyper : ndarray of float64, (len(updates), len(HYPER_COLUMNS))
        Each update's optimizer arguments, read at every run.
    ndropout : int
        Dropout layers: ``run`` takes one seed for each.
    runs : int
        The calls into C so far (one per ``run``).
    """
    cdef fnn_plan *plan
    cdef int typenum
    cdef fnn_dtype dt
    cdef readonly fnn_int in_features, out_features
    cdef readonly int nlayers, ndropout, nupdates
    cdef readonly long long runs
    cdef readonly object hyper, keep, timers
    cdef object workspace
    cdef fnn_int ws_rows
    cdef bint busy
    cdef double *hp
    cdef readonly double loss, total_norm
    cdef readonly int64_t correct
    cdef readonly fnn_int bad_row
    cdef int loss_kind          # fnn_plan_loss_kind

    def __cinit__(self, dtype, fnn_int in_features, list layers, loss, optimizer, list updates,
                  list clip):
        cdef cnp.dtype d = np.dtype(dtype)
        if d.num != cnp.NPY_FLOAT32 and d.num != cnp.NPY_FLOAT64:
            raise TypeError(f"StepPlan: dtype must be float32 or float64, got {d}")
        self.typenum = d.num
        self.dt = FNN_FLOAT32 if d.num == cnp.NPY_FLOAT32 else FNN_FLOAT64
        cdef int L = len(layers), i, t = self.typenum
        if L < 1:
            raise ValueError("StepPlan: at least one layer")
        cdef fnn_layer *ls = <fnn_layer *>PyMem_Malloc(sizeof(fnn_layer) * L)
        cdef void **cl = <void **>PyMem_Malloc(sizeof(void *) * (len(clip) + 1))
        cdef fnn_int *cn = <fnn_int *>PyMem_Malloc(sizeof(fnn_int) * (len(clip) + 1))
        if not ls or not cl or not cn:
            PyMem_Free(ls)
            PyMem_Free(cl)
            PyMem_Free(cn)
            raise MemoryError("StepPlan: out of memory")
        cdef fnn_plan_loss lo
        cdef fnn_int width = in_features, n_in, n_out
        try:
            self.ndropout = 0
            for i in range(L):
                spec = layers[i]
                kind = spec["kind"]
                ls[i].in_ = width
                ls[i].ap.slope = float(spec.get("negative_slope", 0.01))
                ls[i].ap.beta = float(spec.get("beta", 1.0))
                ls[i].ap.threshold = float(spec.get("threshold", 20.0))
                ls[i].from_input = 0
                ls[i].p = 0
                ls[i].W = ls[i].b = NULL
                ls[i].dW = ls[i].db = NULL
                if kind == "linear":
                    W = spec["weight"]
                    if not cnp.PyArray_Check(W) or (<cnp.ndarray>W).ndim != 2 or \
                            (<cnp.ndarray>W).shape[1] != width:
                        raise ValueError(f"StepPlan: layer {i}'s weight must be (out, {width})")
                    n_out = (<cnp.ndarray>W).shape[0]
                    ls[i].kind = FNN_LAYER_LINEAR
                    ls[i].out = n_out
                    ls[i].W = _plan_ptr(W, t, n_out * width, False, f"layer {i}'s weight")
                    ls[i].b = _plan_ptr(spec.get("bias"), t, n_out, False, f"layer {i}'s bias")
                    ls[i].dW = _plan_ptr(spec.get("grad_weight"), t, n_out * width, True,
                                         f"layer {i}'s grad_weight")
                    ls[i].db = _plan_ptr(spec.get("grad_bias"), t, n_out, True,
                                         f"layer {i}'s grad_bias")
                    ls[i].act = _PLAN_ACTS[spec.get("activation")]
                elif kind == "act":
                    ls[i].kind = FNN_LAYER_ACT
                    ls[i].out = width
                    ls[i].act = _PLAN_ACTS[spec["activation"]]
                    ls[i].from_input = 1 if spec.get("from_input") else 0
                elif kind == "dropout":
                    ls[i].kind = FNN_LAYER_DROPOUT
                    ls[i].out = width
                    ls[i].p = float(spec["p"])
                    self.ndropout += 1
                else:
                    raise ValueError(f"StepPlan: unknown layer kind {kind!r}")
                if "features" in spec and spec["features"] != width:
                    raise ValueError(f"StepPlan: layer {i} takes {spec['features']} features, "
                                     f"its input has {width}")
                width = ls[i].out
            self.in_features, self.out_features, self.nlayers = in_features, width, L
            lo.kind = FNN_PLAN_NO_LOSS
            lo.class_weight = NULL
            self.loss_kind = FNN_PLAN_NO_LOSS
            if loss is not None:
                lo.reduction = _reduction(loss.get("reduction", "mean"))
                lo.label_smoothing = float(loss.get("label_smoothing", 0.0))
                lo.ignore_index = int(loss.get("ignore_index", -100))
                lo.delta = float(loss.get("delta", 1.0))
                lo.elementwise = FNN_LOSS_MSE
                if loss["kind"] == "cross_entropy":
                    lo.kind = FNN_PLAN_XENT
                    lo.class_weight = _plan_ptr(loss.get("weight"), t, width, False,
                                                "the class weights")
                else:
                    lo.kind = FNN_PLAN_ELEMENTWISE
                    lo.elementwise = _PLAN_LOSSES[loss["kind"]]
                self.loss_kind = lo.kind
            self.nupdates = len(updates)
            for i in range(len(clip)):
                cl[i] = _plan_ptr(clip[i], t, cnp.PyArray_SIZE(<cnp.ndarray>clip[i]), True,
                                  f"clip buffer {i}")
                cn[i] = cnp.PyArray_SIZE(<cnp.ndarray>clip[i])
            self.plan = fnn_plan_new(self.dt, in_features, L, ls, &lo if loss is not None else NULL,
                                     self.nupdates, len(clip), cl, cn)
        finally:
            PyMem_Free(ls)
            PyMem_Free(cl)
            PyMem_Free(cn)
        if self.plan == NULL:
            raise ValueError("StepPlan: the layers do not make a chain the kernels take")
        cdef fnn_plan_update *u
        cdef fnn_int n
        kinds = {"sgd": FNN_OPT_SGD, "adam": FNN_OPT_ADAM, "adagrad": FNN_OPT_ADAGRAD,
                 "rmsprop": FNN_OPT_RMSPROP}
        if self.nupdates and optimizer not in kinds:
            raise ValueError(f"StepPlan: optimizer must be one of {sorted(kinds)}")
        for i in range(self.nupdates):
            p, g, s1, s2, s3 = updates[i]
            n = cnp.PyArray_SIZE(<cnp.ndarray>p) if cnp.PyArray_Check(p) else 0
            u = fnn_plan_update_at(self.plan, i)
            u.n = n
            u.p = _plan_ptr(p, t, n, True, f"update {i}'s parameter")
            u.g = _plan_ptr(g, t, n, False, f"update {i}'s gradient")
            u.s1 = _plan_ptr(s1, t, n, True, f"update {i}'s s1")
            u.s2 = _plan_ptr(s2, t, n, True, f"update {i}'s s2")
            u.s3 = _plan_ptr(s3, t, n, True, f"update {i}'s s3")
            if u.p == NULL or u.g == NULL:
                raise ValueError(f"StepPlan: update {i} needs a parameter and a gradient")
            for s in (s1, s2, s3):
                if s is not None and (_overlap(s, p) or _overlap(s, g)):
                    raise ValueError(f"StepPlan: update {i}'s state overlaps its parameter")
            u.args.kind = kinds[optimizer]
        self.hyper = np.zeros((max(self.nupdates, 1), HYPER_COLS), dtype=np.float64)
        self.hp = <double *>cnp.PyArray_DATA(<cnp.ndarray>self.hyper)
        self.keep = (layers, loss, updates, clip)
        self.workspace = None
        self.ws_rows = 0
        self.timers = None

    def __dealloc__(self):
        fnn_plan_free(self.plan)

    def profile(self, bint on=True):
        """Start (or stop) adding each part's seconds into ``timers``: a
        float64 array of len(TIMER_NAMES), zeroed here."""
        self.timers = np.zeros(FNN_PLAN_TIMERS, dtype=np.float64) if on else None

    cdef object _ensure(self, fnn_int M):
        if M > self.ws_rows:
            self.workspace = _aligned_bytes(fnn_plan_workspace(self.plan, M))
            self.ws_rows = M
        return self.workspace

    cdef object _view(self, fnn_int M, int region, fnn_int cols):
        ws = self._ensure(M)
        cdef size_t at = fnn_plan_offset(self.plan, M, region)
        cdef size_t isz = 4 if self.typenum == cnp.NPY_FLOAT32 else 8
        return ws[at:at + <size_t>(M * cols) * isz].view(np.float32 if isz == 4 else np.float64) \
            .reshape(M, cols)

    def output(self, fnn_int M):
        """The last layer's output of the last run over M rows (M, out): a
        view of the workspace, valid until the next run."""
        return self._view(M, FNN_PLAN_AT_OUTPUT, self.out_features)

    def rows(self, fnn_int M):
        """The per-row cross-entropy losses (M,) or the per-element losses
        (M, out) of the last run with reduction 'none': a view of the
        workspace, valid until the next run."""
        if self.loss_kind == FNN_PLAN_XENT:
            return self._view(M, FNN_PLAN_AT_ROWS, 1).reshape(M)
        return self._view(M, FNN_PLAN_AT_ROWS, self.out_features)

    cdef int _load_hyper(self) except -1:
        """Each update's fnn_optim_args from its row of hyper."""
        cdef int i, j
        cdef double *r
        cdef fnn_plan_update *u
        for i in range(self.nupdates):
            r = self.hp + i * HYPER_COLS
            for j in range(10):
                if not isfinite(r[j]):
                    raise ValueError(f"{HYPER_COLUMNS[j]} must be finite, got {r[j]}")
            u = fnn_plan_update_at(self.plan, i)
            u.args.lr, u.args.weight_decay, u.args.eps = r[0], r[1], r[2]
            u.args.momentum, u.args.dampening = r[3], r[4]
            u.args.beta1, u.args.beta2, u.args.alpha, u.args.lr_decay = r[5], r[6], r[7], r[8]
            if not (r[9] >= 1 and r[9] < 9.2e18):
                raise ValueError(f"step must be in [1, 2**63 - 1], got {r[9]}")
            u.args.step = <long long>r[9]
            u.args.nesterov = r[10] != 0
            u.args.maximize = r[11] != 0
            u.args.decoupled = r[12] != 0
            u.args.first = r[13] != 0
        return 0

    def run(self, cnp.ndarray x, labels, target, weight, pos_weight, fnn_int loss_cols,
            seeds, int phases, out=None, bint check_finite=True, double max_norm=0.0,
            double row_scale=1.0):
        """One run of the phases (bits of PHASE_*) over x's M rows.

        Parameters
        ----------
        x : ndarray
            M rows of in_features (any shape with M first), C-contiguous,
            the plan's dtype.
        labels : ndarray of int64 (M,) or None
            Class indices for the cross-entropy (checked here).
        target : ndarray or None
            The cross-entropy's probabilities, or the elementwise loss's
            targets: M × out elements of the plan's dtype.
        weight, pos_weight : ndarray or None
            The elementwise loss's element weights (M × out) and BCE's
            pos_weight (loss_cols).
        loss_cols : int
            The last dimension of the elementwise loss's input.
        seeds : ndarray of uint64 (ndropout,) or None
            One seed per dropout layer.
        phases : int
            Bits of PHASE_FORWARD, PHASE_LOSS, PHASE_BACKWARD, PHASE_UPDATE.
        out : ndarray or None
            (M, out) of the plan's dtype for the last layer's output; None:
            the workspace (see output()).
        check_finite : bool
            Stop before the backward when the reduced loss is not finite.
        max_norm : float
            Clip the gradients' joint 2-norm to it before the update (> 0).
        row_scale : float
            With reduction 'none', each loss gradient times this (the
            backward of the losses' mean: 1/M in the plan's dtype).

        Returns
        -------
        int
            0; PLAN_BAD_LABEL (bad_row says where), PLAN_NONFINITE (nothing
            was updated), or PLAN_BUSY (another thread is running this plan:
            nothing was done).
        """
        cdef int t = self.typenum
        cdef fnn_int M = x.shape[0] if x.ndim > 0 else 0
        if M < 1 or not _plan_array(x, t, M * self.in_features, False):
            raise ValueError(f"StepPlan.run: x must be a C-contiguous, aligned array of "
                             f"(M >= 1, {self.in_features}) elements of the plan's dtype")
        if self.busy:
            return PLAN_BUSY
        cdef fnn_plan_call c
        cdef fnn_int nout = M * self.out_features
        c.M = M
        c.x = cnp.PyArray_DATA(x)
        c.labels = NULL
        if labels is not None:
            if not _plan_array(labels, cnp.NPY_INT64, M, False):
                raise ValueError(f"StepPlan.run: labels must be C-contiguous int64 ({M},)")
            c.labels = <const int64_t *>cnp.PyArray_DATA(<cnp.ndarray>labels)
        c.target = _plan_ptr(target, t, nout, False, "target")
        c.weight = _plan_ptr(weight, t, nout, False, "weight")
        c.pos_weight = _plan_ptr(pos_weight, t, loss_cols, False, "pos_weight")
        if c.pos_weight != NULL and (loss_cols < 1 or nout % loss_cols != 0):
            raise ValueError("StepPlan.run: loss_cols must divide the output's elements")
        c.loss_cols = loss_cols if loss_cols > 0 else self.out_features
        if phases & (PHASE_LOSS | PHASE_BACKWARD):
            if self.loss_kind == FNN_PLAN_NO_LOSS:
                raise ValueError("StepPlan.run: a plan without a loss runs the forward alone")
            if self.loss_kind == FNN_PLAN_XENT and c.labels == NULL and c.target == NULL:
                raise ValueError("StepPlan.run: the cross-entropy needs labels or target")
            if self.loss_kind == FNN_PLAN_ELEMENTWISE and c.target == NULL:
                raise ValueError("StepPlan.run: the loss needs a target")
        c.seeds = NULL
        if self.ndropout:
            if not _plan_array(seeds, cnp.NPY_UINT64, self.ndropout, False):
                raise ValueError(f"StepPlan.run: seeds must be uint64 ({self.ndropout},)")
            c.seeds = <const uint64_t *>cnp.PyArray_DATA(<cnp.ndarray>seeds)
        c.out = NULL
        if out is not None:
            c.out = _plan_ptr(out, t, nout, True, "out")
            if _overlap(<cnp.ndarray>out, x):
                raise ValueError("StepPlan.run: out overlaps x")
        if phases & PHASE_UPDATE:
            self._load_hyper()
        c.workspace = cnp.PyArray_DATA(<cnp.ndarray>self._ensure(M))
        c.phases = phases
        c.check_finite = check_finite
        c.max_norm = max_norm
        c.row_scale = row_scale
        c.timers = NULL
        if self.timers is not None:
            c.timers = <double *>cnp.PyArray_DATA(<cnp.ndarray>self.timers)
        c.loss = 0
        c.total_norm = 0
        cdef fnn_status st
        self.busy = True
        self.runs += 1
        try:
            with nogil:
                st = fnn_plan_run(self.plan, &c)
        finally:
            self.busy = False
        self.loss, self.correct = c.loss, c.correct
        self.total_norm, self.bad_row = c.total_norm, c.bad_row
        if st == FNN_ERANGE or st == FNN_ENONFINITE:
            return <int>st
        _check_status(st)
        return 0
