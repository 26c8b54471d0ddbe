# Binding of csrc/optim.c: one optimizer step over one parameter buffer.
# fastnn.optim calls it once per parameter (or per contiguous group).

cdef dict _OPTIMIZERS = {"sgd": FNN_OPT_SGD, "adam": FNN_OPT_ADAM, "adagrad": FNN_OPT_ADAGRAD,
                         "rmsprop": FNN_OPT_RMSPROP}


cdef void *_state_ptr(s, str name, cnp.ndarray p) except? NULL:
    if s is None:
        return NULL
    if not cnp.PyArray_Check(s):
        raise TypeError(f"{name} must be a numpy array or None")
    cdef cnp.ndarray a = s
    if cnp.PyArray_TYPE(a) != cnp.PyArray_TYPE(p) or cnp.PyArray_SIZE(a) != cnp.PyArray_SIZE(p):
        raise ValueError(f"{name} must match the parameter's dtype and size")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISWRITEABLE(a) and cnp.PyArray_ISALIGNED(a)):
        raise ValueError(f"{name} must be C-contiguous, aligned and writeable")
    if _overlap(a, p):
        raise ValueError(f"{name} overlaps the parameter")
    return cnp.PyArray_DATA(a)


def optim_step(kind, param, grad, s1=None, s2=None, s3=None, lr=0.0, weight_decay=0.0,
               eps=0.0, momentum=0.0, dampening=0.0, beta1=0.9, beta2=0.999, alpha=0.99,
               lr_decay=0.0, step=1, bint nesterov=False, bint maximize=False,
               bint decoupled=False, bint first=False):
    """One fused optimizer step on `param` in place (see csrc/optim.c).

    kind: 'sgd' | 'adam' | 'adagrad' | 'rmsprop'; param: C-contiguous float
    array; grad: same dtype and size; s1..s3: the state buffers the kind uses
    (same dtype and size as param, C-contiguous), updated in place."""
    if kind not in _OPTIMIZERS:
        raise ValueError(f"kind must be one of {sorted(_OPTIMIZERS)}, got {kind!r}")
    cdef cnp.ndarray P = _float_array(param, "param")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(P) and cnp.PyArray_ISWRITEABLE(P) and cnp.PyArray_ISALIGNED(P)):
        raise ValueError("param must be C-contiguous, aligned and writeable")
    cdef cnp.ndarray G = _float_array(grad, "grad")
    _same_dtype(G, "grad", P, "param")
    if cnp.PyArray_SIZE(G) != cnp.PyArray_SIZE(P):
        raise ValueError(f"grad has {cnp.PyArray_SIZE(G)} elements but param has {cnp.PyArray_SIZE(P)}")
    G = _c_order(G)
    if _overlap(G, P):
        raise ValueError("grad overlaps the parameter")
    cdef fnn_optim_args a
    a.kind = _OPTIMIZERS[kind]
    a.lr, a.weight_decay, a.eps = _finite(lr, "lr"), _finite(weight_decay, "weight_decay"), _finite(eps, "eps")
    a.momentum, a.dampening = _finite(momentum, "momentum"), _finite(dampening, "dampening")
    a.beta1, a.beta2 = _finite(beta1, "beta1"), _finite(beta2, "beta2")
    a.alpha, a.lr_decay = _finite(alpha, "alpha"), _finite(lr_decay, "lr_decay")
    a.step = _int_arg(step, "step", 1, 2 ** 63 - 1)
    a.nesterov, a.maximize, a.decoupled, a.first = nesterov, maximize, decoupled, first
    cdef void *p1 = _state_ptr(s1, "s1", P)
    cdef void *p2 = _state_ptr(s2, "s2", P)
    cdef void *p3 = _state_ptr(s3, "s3", P)
    cdef fnn_int n = cnp.PyArray_SIZE(P)
    cdef void *pp = cnp.PyArray_DATA(P)
    cdef void *pg = cnp.PyArray_DATA(G)
    cdef fnn_dtype t = _dtype(P)
    cdef fnn_status st
    with nogil:
        st = fnn_optim_step(t, &a, n, pp, pg, p1, p2, p3)
    return _check_status(st)
