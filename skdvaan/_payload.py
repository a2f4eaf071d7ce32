"""What a model file holds for each estimator: its payload, both ways.

The file format (``_persistence``: a zip of JSON metadata and safetensors
weights, with its checks and JSON codec) knows only the archive. Each
estimator owns its payload through the functions here, which its
``_to_payload`` and ``_from_payload`` call: the parameters and fitted
attributes as JSON types, the networks' weights, and every check that a
loaded entry is sound. The estimator classes are passed in, so this module
imports neither of them.
"""

import dataclasses
import math
from collections import OrderedDict

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler

from ._networks import DVAANModule, NetworkConfig
from ._persistence import (
    _array,
    _check,
    _decode,
    _encode,
    _int_attr,
    _ints,
    _Invalid,
    _is_int,
    _is_number,
    _numbers,
)
from ._tabular import ColumnEncoder

# ------------------------------------------------------------------ saving


def classifier_payload(est):
    """Parameters and fitted attributes of a DVAANClassifier, JSON-encoded."""
    # Loading refuses parameters that fail the constraints (_build), such as a
    # bad one set with set_params after fit: never write such a file. Checked
    # whatever scikit-learn's config says, as loading checks them.
    est._validate_params()
    # The checks that the constraints leave to predict and sample: a file
    # whose model could not predict or sample is not written either.
    est._check_class_prior(len(est.classes_))
    est._check_window()
    shape = est.input_shape_
    names = (
        "classes_ class_counts_ n_features_in_ history_ loss_curve_ mu_curve_ "
        "validation_scores_ best_validation_score_ n_iter_ class_prior_ "
        "training_prior_ temperature_ logit_bias_ feature_range_ integer_features_"
    )
    attrs = {name: getattr(est, name) for name in names.split()}
    attrs.update(
        input_shape_=None if shape is None else tuple(shape),
        latent_means_=np.asarray(est.latent_means_),
        network=dataclasses.asdict(est.module_.cfg),
        directions=est._directions.detach().cpu().numpy(),
        device_=str(est.device_),
        scaler_=None,
        pixel_scale_=None,
    )
    if hasattr(est, "feature_names_in_"):
        attrs["feature_names_in_"] = est.feature_names_in_
    encoder = getattr(est, "encoder_", None)
    if encoder is not None:
        # A mixed-type table's encoding (columns, dtypes, categories, scales),
        # as JSON types; models of numbers carry no such entry.
        attrs["encoder_"] = encoder.to_dict()
    elif shape is None:
        keys = ("mean_", "scale_", "var_", "n_samples_seen_")
        attrs["scaler_"] = {k: getattr(est.scaler_, k) for k in keys}
    else:
        attrs["pixel_scale_"] = float(est.pixel_scale_)
    return {
        "params": _encode(est.get_params(deep=False), "the parameters"),
        "attributes": _encode(attrs, "the fitted attributes"),
    }, est.module_


def sampler_payload(sampler):
    params = sampler.get_params(deep=False)
    nested = params.pop("estimator")
    if callable(params["sampling_strategy"]):
        raise TypeError(
            "Cannot save a DVAANSampler whose sampling_strategy is a callable: a "
            "skdvaan model file never holds code. Pass a dict (for example the "
            "fitted sampling_strategy_) as sampling_strategy instead."
        )
    # As for the classifier: what loading would refuse is refused here.
    sampler._validate_params()
    if nested is not None:
        nested._validate_params()
    params = _encode(params, "the parameters")
    if nested is not None:
        nested = _encode(nested.get_params(deep=False), "the estimator's parameters")
    params["estimator"] = nested
    attrs = {
        "n_features_in_": sampler.n_features_in_,
        "sampling_strategy_": dict(sampler.sampling_strategy_),
    }
    if hasattr(sampler, "feature_names_in_"):
        attrs["feature_names_in_"] = sampler.feature_names_in_
    attrs = _encode(attrs, "the fitted attributes")
    attrs["estimator_"] = classifier_payload(sampler.estimator_)[0]
    return {"params": params, "attributes": attrs}, sampler.estimator_.module_


# --------------------------------------------------------------- restoring


def _build(cls, params, where):
    """An estimator from decoded parameters, checked by its own constraints."""
    expected = set(cls().get_params(deep=False))
    _check(
        isinstance(params, dict) and set(params) == expected,
        f"{where} should be {sorted(expected)}.",
    )
    est = cls(**params)
    try:
        est._validate_params()
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"invalid {where}: {exc}") from None
    return est


def _network(v, n_features, n_classes, input_shape):
    fields = {f.name for f in dataclasses.fields(NetworkConfig)}
    _check(
        isinstance(v, dict) and set(v) == fields, f"network must hold {sorted(fields)}."
    )
    _check(v["n_features"] == n_features, "network.n_features != n_features_in_.")
    _check(v["n_classes"] == n_classes, "network.n_classes != len(classes_).")
    d = v["latent_dim"]
    _check(_is_int(d) and d >= max(1, n_classes - 1), f"bad network.latent_dim {d!r}.")
    channels = _ints(v["channels"], "network.channels")
    output = "linear" if input_shape is None else "sigmoid"
    _check(
        v["input_shape"] in (None, input_shape), "network.input_shape != input_shape_."
    )
    _check(v["output"] == output, f"network.output must be {output!r}.")
    _check(
        v["decoder_variance"] in ("learned", "unit"),
        "network.decoder_variance must be 'learned' or 'unit'.",
    )
    _check(_is_int(v["n_anchors"]) and v["n_anchors"] >= 0, "bad network.n_anchors.")
    return NetworkConfig(
        n_features=n_features,
        n_classes=n_classes,
        latent_dim=d,
        hidden=_ints(v["hidden"], "network.hidden"),
        input_shape=v["input_shape"],
        channels=channels,
        kernels=_ints(v["kernels"], "network.kernels", len(channels)),
        output=output,
        decoder_variance=v["decoder_variance"],
        n_anchors=v["n_anchors"],
    )


def _module(cfg, tensors, device):
    """Build the networks on the meta device, check the weights, then adopt them."""
    with torch.device("meta"):
        module = DVAANModule(cfg, 1.0)
    want = {k: (tuple(t.shape), t.dtype) for k, t in module.state_dict().items()}
    got = {k: (tuple(t.shape), t.dtype) for k, t in tensors.items()}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    _check(
        not missing and not extra,
        f"the weights do not fit the network: missing {missing}, unexpected {extra}.",
    )
    wrong = [f"{k} is {got[k]}, not {want[k]}" for k in want if got[k] != want[k]]
    _check(not wrong, f"weights of the wrong shape or dtype: {'; '.join(wrong)}.")
    bad = [
        k
        for k, t in tensors.items()
        if t.is_floating_point() and not t.isfinite().all()
    ]
    _check(not bad, f"weights hold NaN or inf: {bad}.")
    # assign=True adopts the loaded tensors: no initialisation, no global RNG draw.
    module.load_state_dict(tensors, strict=True, assign=True)
    return module.to(device).eval()


def restore_classifier(cls, payload, tensors, device, prefix=""):
    _check(isinstance(payload, dict), f"{prefix}record is malformed.")
    params = _decode(payload.get("params"), f"{prefix}params")
    est = _build(cls, params, f"{prefix}parameters")
    a = _decode(payload.get("attributes"), f"{prefix}attributes")
    _check(isinstance(a, dict), f"{prefix}attributes are not a JSON object.")

    labels = _array(a, "classes_", "biufUO", (None,))
    k = labels.shape[0]
    _check(k >= 2 and bool(np.all(labels[:-1] < labels[1:])), "bad classes_.")
    counts = _array(a, "class_counts_", "iu", (k,))
    n_features = _int_attr(a, "n_features_in_", 1)
    if "feature_names_in_" in a:
        est.feature_names_in_ = _array(a, "feature_names_in_", "O", (n_features,))
    shape = a.get("input_shape_")
    if shape is not None:
        _ints(shape, "input_shape_", 3)
        _check(math.prod(shape) == n_features, "input_shape_ != n_features_in_ pixels.")
    encoder = None
    if a.get("encoder_") is not None:
        _check(shape is None, "a model of images has no column encoder_.")
        try:
            encoder = ColumnEncoder.from_dict(a["encoder_"])
        except (TypeError, ValueError) as exc:
            raise _Invalid(f"bad encoder_: {exc}") from None
        _check(encoder.n_columns == n_features, "encoder_ != n_features_in_ columns.")
    n_inputs = n_features if encoder is None else encoder.n_encoded
    cfg = _network(a.get("network"), n_inputs, k, shape)
    est.classes_, est.class_counts_ = labels, counts
    est._label_encoder = LabelEncoder()
    est._label_encoder.classes_ = labels
    est.n_features_in_, est.input_shape_ = n_features, shape
    est.encoder_ = encoder
    if encoder is not None:
        ok = all(a.get(key) is None for key in ("pixel_scale_", "scaler_"))
        _check(ok, "a model with an encoder_ has no scaler_ or pixel_scale_.")
    elif shape is None:
        _check(a.get("pixel_scale_") is None, "pixel_scale_ must be null for tables.")
        est.scaler_ = _scaler(a.get("scaler_"), n_features)
    else:
        scale = a.get("pixel_scale_")
        ok = _is_number(scale) and 0 < scale < math.inf and a.get("scaler_") is None
        _check(ok, "images need a positive pixel_scale_ and no scaler_.")
        est.pixel_scale_ = float(scale)

    history = a.get("history_")
    ok = isinstance(history, list) and all(
        isinstance(h, dict) and all(_is_number(x) for x in h.values()) for h in history
    )
    _check(ok, "history_ must be a list of records of numbers.")
    n_iter = _int_attr(a, "n_iter_", 0)
    _check(len(history) == n_iter, "history_ must hold n_iter_ records.")
    est.history_, est.n_iter_ = history, n_iter
    est.loss_curve_ = _numbers(a.get("loss_curve_"), "loss_curve_", n_iter)
    est.mu_curve_ = _numbers(a.get("mu_curve_"), "mu_curve_", n_iter)
    est.validation_scores_ = _numbers(
        a.get("validation_scores_"), "validation_scores_", n_iter, optional=True
    )
    best = a.get("best_validation_score_")
    _check(best is None or _is_number(best), "bad best_validation_score_.")
    est.best_validation_score_ = best
    est.latent_means_ = _array(a, "latent_means_", "f", (k, cfg.latent_dim))
    for key in ("class_prior_", "training_prior_"):
        prior = _array(a, key, "f", (k,))
        # 0 only for a class without rows (declared to partial_fit, not seen).
        ok = bool(np.all(prior[counts > 0] > 0)) and bool(np.all(prior >= 0))
        ok = ok and bool(np.isclose(prior.sum(), 1.0))
        _check(
            ok,
            f"{key} must hold probabilities summing to 1, positive for every "
            "class with rows.",
        )
        setattr(est, key, prior)
    temperature = a.get("temperature_")
    _check(
        _is_number(temperature) and 0 < temperature < math.inf,
        "temperature_ must be a positive number.",
    )
    est.temperature_ = float(temperature)
    # Files written before Platt calibration have no bias: none was fitted.
    bias = a.get("logit_bias_")
    est.logit_bias_ = (
        np.zeros(k) if bias is None else _array(a, "logit_bias_", "f", (k,))
    )
    _check(bool(np.all(np.isfinite(est.logit_bias_))), "logit_bias_ must be finite.")
    if encoder is not None:
        ok = all(a.get(key) is None for key in ("feature_range_", "integer_features_"))
        _check(ok, "with an encoder_, feature_range_ and integer_features_ are null.")
        est.feature_range_ = est.integer_features_ = None
    else:
        bounds = _array(a, "feature_range_", "f", (2, n_features))
        ok = bool(np.all(np.isfinite(bounds))) and bool(np.all(bounds[0] <= bounds[1]))
        _check(ok, "feature_range_ must hold finite (min, max) rows with min <= max.")
        est.feature_range_ = bounds
        est.integer_features_ = _array(a, "integer_features_", "b", (n_features,))
    directions = _array(a, "directions", "f", (k, cfg.latent_dim))
    est._directions = torch.as_tensor(directions, dtype=torch.float32)
    _check(isinstance(a.get("device_"), str), "device_ must be a string.")
    est.module_ = _module(cfg, tensors, device)
    est.device_ = device
    return est


def _scaler(v, n_features):
    keys = {"mean_", "scale_", "var_", "n_samples_seen_"}
    _check(isinstance(v, dict) and set(v) == keys, f"scaler_ must hold {sorted(keys)}.")
    sc = StandardScaler()
    for key in ("mean_", "scale_", "var_"):
        arr = _array(v, key, "f", (n_features,))
        _check(bool(np.all(np.isfinite(arr))), f"scaler_.{key} must be finite.")
        setattr(sc, key, arr)
    _check(bool(np.all(sc.scale_ > 0)), "scaler_.scale_ must be positive.")
    seen = v["n_samples_seen_"]
    if isinstance(seen, np.ndarray):
        seen = _array(v, "n_samples_seen_", "iuf", (n_features,))
    else:
        ok = _is_number(seen) and seen > 0 and float(seen).is_integer()
        _check(ok, "bad scaler_.n_samples_seen_.")
        seen = np.int64(seen)  # as StandardScaler keeps it, for partial_fit
    sc.n_samples_seen_, sc.n_features_in_ = seen, n_features
    return sc


def restore_sampler(cls, classifier_cls, meta, tensors, device):
    params = dict(meta["params"])
    _check("estimator" in params, "params lack 'estimator'.")
    nested = params.pop("estimator")
    params = _decode(params, "params")
    if nested is not None:
        nested = _build(classifier_cls, _decode(nested, "params"), "estimator params")
    params["estimator"] = nested
    sampler = _build(cls, params, "parameters")

    attrs = dict(meta["attributes"])
    inner = attrs.pop("estimator_", None)
    a = _decode(attrs, "attributes")
    est = restore_classifier(classifier_cls, inner, tensors, device, "estimator_ ")
    n_features = _int_attr(a, "n_features_in_", 1)
    _check(n_features == est.n_features_in_, "n_features_in_ != estimator_'s.")
    if "feature_names_in_" in a:
        sampler.feature_names_in_ = _array(a, "feature_names_in_", "O", (n_features,))
    strategy = a.get("sampling_strategy_")
    ok = isinstance(strategy, dict) and all(
        _is_int(n) and n >= 0 for n in strategy.values()
    )
    _check(ok, "sampling_strategy_ must map labels to non-negative ints.")
    _check(
        set(strategy) <= set(est.classes_.tolist()), "unknown sampling_strategy_ label."
    )
    sampler.estimator_, sampler.n_features_in_ = est, n_features
    sampler.sampling_strategy_ = OrderedDict(sorted(strategy.items()))
    return sampler
