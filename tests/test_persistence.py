"""Safe model files: exact round trips, and every damaged file refused."""

import hashlib
import io
import json
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.exceptions import NotFittedError

import skdvaan._persistence as persistence
from skdvaan import DVAANClassifier, DVAANSampler
from skdvaan._persistence import load_estimator, save_estimator

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::skdvaan.exceptions.BoundarySamplingWarning"),
]


def tiny(**params):
    defaults = dict(
        hidden_layer_sizes=(8,),
        max_iter=3,
        pretrain_steps=20,
        device="cpu",
        random_state=0,
    )
    return DVAANClassifier(**{**defaults, **params})


def make_data(n=48, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    y = np.r_[[0] * (3 * n // 4), [1] * (n - 3 * n // 4)]
    return rng.randn(n, n_features) + y[:, None], y


def assert_same_classifier(a, b, X):
    """Identical predictions, samples, parameters and fitted attributes."""
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    assert np.array_equal(a.decision_function(X), b.decision_function(X))
    pa, pb = a.predict(X), b.predict(X)
    assert np.array_equal(pa, pb) and pa.dtype == pb.dtype
    assert np.array_equal(a.encode(X), b.encode(X))
    for kind in ("boundary", "core"):
        sa, ya = a.sample(20, kind=kind, random_state=3)
        sb, yb = b.sample(20, kind=kind, random_state=3)
        assert np.array_equal(sa, sb) and np.array_equal(ya, yb)
    assert a.classes_.dtype == b.classes_.dtype
    assert np.array_equal(a.classes_, b.classes_)
    assert np.array_equal(a.class_counts_, b.class_counts_)
    assert np.array_equal(a.latent_means_, b.latent_means_)
    assert torch.equal(a._directions, b._directions)
    assert a._label_encoder.classes_ is not None
    for name in ("n_features_in_", "input_shape_", "history_", "loss_curve_"):
        assert getattr(a, name) == getattr(b, name), name
    for name in (
        "mu_curve_",
        "validation_scores_",
        "best_validation_score_",
        "n_iter_",
    ):
        assert getattr(a, name) == getattr(b, name), name
    pa, pb = a.get_params(), b.get_params()
    assert pa.keys() == pb.keys()
    for key in pa:
        if not isinstance(pa[key], np.random.RandomState):
            assert pa[key] == pb[key] and type(pa[key]) is type(pb[key]), key
    for key, t in a.module_.state_dict().items():
        assert torch.equal(t, b.module_.state_dict()[key]), key
    assert b.device_ == torch.device("cpu") and not b.module_.training


LABELS = {
    "int": lambda y: y,
    "large int": lambda y: y * 10**12 - 7,
    "str": lambda y: np.where(y == 1, "minority", "majority"),
    "object str": lambda y: np.where(y == 1, "b", "a").astype(object),
    "bool": lambda y: y.astype(bool),
    "float": lambda y: y.astype(np.float64) * 2.0 - 1.0,
    "three classes": lambda y: np.arange(len(y)) % 3,
}


@pytest.mark.parametrize("kind", LABELS, ids=list(LABELS))
def test_classifier_round_trip(kind, tmp_path):
    X, y = make_data()
    clf = tiny().fit(X, LABELS[kind](y))
    save_estimator(clf, tmp_path / "model.skdvaan")
    loaded = load_estimator(tmp_path / "model.skdvaan")
    assert_same_classifier(clf, loaded, X)


def test_round_trip_keeps_feature_names_and_early_stopping(tmp_path):
    X, y = make_data(n=80)
    Xf = pd.DataFrame(X, columns=["age", "dose", "weight", "score"])
    clf = tiny(early_stopping=True, validation_fraction=0.25).fit(Xf, y)
    assert clf.validation_scores_ is not None
    assert np.any(clf.logit_bias_ != 0)  # Platt's bias, fitted on the split
    save_estimator(clf, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert_same_classifier(clf, loaded, Xf)
    np.testing.assert_array_equal(loaded.logit_bias_, clf.logit_bias_)
    assert list(loaded.feature_names_in_) == list(Xf.columns)
    with pytest.raises(ValueError, match="feature names should match"):
        loaded.predict(Xf.rename(columns={"age": "AGE"}))


def test_round_trip_keeps_parameter_types(tmp_path):
    X, y = make_data()
    rs = np.random.RandomState(5)
    clf = tiny(
        hidden_layer_sizes=[8, 4],
        mu_bounds=(1.0, 5.0),
        class_weight={0: 1.0, 1: 3.0},
        learn_mu=False,
        batch_size=16,
        random_state=rs,
    ).fit(X, y)
    save_estimator(clf, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert_same_classifier(clf, loaded, X)
    params = loaded.get_params()
    assert params["hidden_layer_sizes"] == [8, 4]
    assert params["mu_bounds"] == (1.0, 5.0)
    assert params["class_weight"] == {0: 1.0, 1: 3.0}
    # The RandomState comes back in the state it was saved in.
    got = params["random_state"]
    assert isinstance(got, np.random.RandomState)
    assert got.randint(10**9) == rs.randint(10**9)


@pytest.mark.parametrize("backbone", ["conv", "mlp"])
def test_image_round_trip(backbone, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(30, 16)).astype(np.float64)
    clf = tiny(input_shape=(1, 4, 4), backbone=backbone).fit(X, np.arange(30) % 2)
    assert clf.pixel_scale_ == 255.0
    save_estimator(clf, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert_same_classifier(clf, loaded, X)
    assert loaded.pixel_scale_ == 255.0 and not hasattr(loaded, "scaler_")


def test_sampler_round_trip(tmp_path):
    X, y = make_data()
    Xf = pd.DataFrame(X, columns=list("abcd"))
    sampler = DVAANSampler(
        estimator=tiny(random_state=None), sampling_strategy={1: 30}, random_state=2
    )
    X_res, y_res = sampler.fit_resample(Xf, y)
    save_estimator(sampler, tmp_path / "s")
    loaded = load_estimator(tmp_path / "s")
    assert isinstance(loaded, DVAANSampler)
    assert_same_classifier(sampler.estimator_, loaded.estimator_, X)
    assert loaded.sampling_strategy_ == sampler.sampling_strategy_
    assert list(loaded.feature_names_in_) == list("abcd")
    assert loaded.n_features_in_ == 4
    assert loaded.get_params()["sampling_strategy"] == {1: 30}
    assert loaded.estimator.get_params() == sampler.estimator.get_params()
    # The parameters came back exactly: refitting repeats the resampling.
    X_again, y_again = loaded.fit_resample(Xf, y)
    assert np.array_equal(X_again, X_res) and np.array_equal(y_again, y_res)


def test_sampler_without_estimator_parameter(tmp_path):
    X, y = make_data()
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    members = read_members(save(sampler, tmp_path))
    meta = json.loads(members["metadata.json"])
    meta["params"]["estimator"] = None  # as saved from DVAANSampler()
    members["metadata.json"] = json.dumps(meta).encode()
    write_members(tmp_path / "s", members)
    loaded = load_estimator(tmp_path / "s")
    assert loaded.estimator is None
    assert np.array_equal(
        loaded.estimator_.predict_proba(X), sampler.estimator_.predict_proba(X)
    )


def test_file_objects(tmp_path):
    X, y = make_data()
    clf = tiny().fit(X, y)
    buffer = io.BytesIO()
    save_estimator(clf, buffer)
    buffer.seek(0)
    assert_same_classifier(clf, load_estimator(buffer), X)


def test_loading_never_unpickles_and_keeps_global_rng(tmp_path, monkeypatch):
    X, y = make_data()
    clf = tiny().fit(X, y)
    save_estimator(clf, tmp_path / "m")

    def forbidden(*args, **kwargs):
        raise AssertionError("load_estimator must not unpickle")

    for module, name in [(pickle, "load"), (pickle, "loads"), (torch, "load")]:
        monkeypatch.setattr(module, name, forbidden)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    loaded = load_estimator(tmp_path / "m")
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state[1])  # noqa: NPY002
    assert_same_classifier(clf, loaded, X)


def test_load_device_argument(tmp_path):
    X, y = make_data()
    save_estimator(tiny().fit(X, y), tmp_path / "m")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert load_estimator(tmp_path / "m", device="auto").device_.type == expected
    with pytest.raises(ValueError, match="device='tpu' is not a device"):
        load_estimator(tmp_path / "m", device="tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_model_loads_on_cpu(tmp_path):
    X, y = make_data()
    clf = tiny(device="cuda").fit(X, y)
    save_estimator(clf, tmp_path / "m")
    on_cpu = load_estimator(tmp_path / "m")
    assert next(on_cpu.module_.parameters()).device.type == "cpu"
    # The GPU predicts in float32, the CPU in float64.
    assert np.allclose(on_cpu.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    on_gpu = load_estimator(tmp_path / "m", device="cuda")
    assert np.array_equal(on_gpu.predict_proba(X), clf.predict_proba(X))
    assert np.array_equal(
        on_gpu.sample(10, random_state=0)[0], clf.sample(10, random_state=0)[0]
    )


def test_save_refuses(tmp_path):
    with pytest.raises(NotFittedError):
        save_estimator(tiny(), tmp_path / "m")
    with pytest.raises(TypeError, match="saves DVAANClassifier and DVAANSampler"):
        save_estimator(object(), tmp_path / "m")

    class Custom(DVAANClassifier):
        pass

    with pytest.raises(TypeError, match="Custom"):
        save_estimator(Custom(), tmp_path / "m")


def test_failed_save_keeps_the_existing_file(tmp_path):
    X, y = make_data()
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    path = tmp_path / "m"
    path.write_bytes(b"previous model")
    sampler.set_params(sampling_strategy=lambda y: {1: 5})
    with pytest.raises(TypeError, match="sampling_strategy is a callable"):
        save_estimator(sampler, path)
    assert path.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary file left


def test_save_refuses_parameters_that_load_refuses(tmp_path):
    # set_params after fit: such files were written, and load refused them
    # ("invalid parameters: The 'class_prior' parameter ...").
    X, y = make_data()
    clf = tiny().fit(X, y)
    clf.set_params(class_prior="Balanced")
    with pytest.raises(ValueError, match="The 'class_prior' parameter"):
        clf.save(tmp_path / "clf")
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    for est, params, name in [
        (sampler.estimator_, dict(n_threads=0), "n_threads"),  # the fitted model
        (sampler.estimator, dict(boundary_selection="bogus"), "boundary_selection"),
        (sampler, dict(max_move=-1.0), "max_move"),
    ]:
        good = est.get_params()[name]
        est.set_params(**params)
        with pytest.raises(ValueError, match=f"The '{name}' parameter"):
            sampler.save(tmp_path / "sampler")
        est.set_params(**{name: good})
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temp file
    sampler.save(tmp_path / "sampler")
    DVAANSampler.load(tmp_path / "sampler")


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(class_prior=[0.5, 0.3, 0.2]), "class_prior must be"),
        (dict(boundary_window=(0.9, 0.1)), "boundary_window must be"),
    ],
)
def test_save_refuses_parameters_that_predict_or_sample_refuse(tmp_path, params, match):
    # The constraints let these through ("array-like"); the file was written
    # and loaded, and the loaded model could not predict or sample.
    X, y = make_data()
    clf = tiny().fit(X, y).set_params(**params)
    with pytest.raises(ValueError, match=match):
        clf.save(tmp_path / "clf")
    assert list(tmp_path.iterdir()) == []


def test_save_writes_through_a_symlink(tmp_path):
    X, y = make_data()
    clf = tiny().fit(X, y)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.skdvaan"
    target.write_bytes(b"old")
    link = tmp_path / "model.skdvaan"
    link.symlink_to(target)
    clf.save(link)
    assert link.is_symlink()
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["model.skdvaan"]
    assert_same_classifier(clf, DVAANClassifier.load(target), X)


def test_save_errors_name_the_users_path(tmp_path):
    # They named the temporary file written next to it (".../tmpke98lguj.tmp").
    X, y = make_data()
    clf = tiny().fit(X, y)
    (tmp_path / "file").write_bytes(b"")
    cases = [
        (tmp_path / "nodir" / "c.sk", FileNotFoundError, "No directory"),
        (tmp_path, IsADirectoryError, "Is a directory"),
        (tmp_path / "file" / "c.sk", NotADirectoryError, "is not a directory"),
    ]
    for path, error, match in cases:
        for save_to in (clf.save, lambda p: save_estimator(clf, p)):
            with pytest.raises(error, match=match) as info:
                save_to(path)
            assert info.value.filename == str(path)
            assert ".tmp" not in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_version_warning_points_at_the_callers_line(tmp_path):
    # DVAANClassifier.load's warning pointed at _classifier.py.
    X, y = make_data()
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    for est in (sampler.estimator_, sampler):
        members = read_members(save(est, tmp_path))
        meta = json.loads(members["metadata.json"])
        meta["versions"]["skdvaan"] = "0.0.1"
        members["metadata.json"] = json.dumps(meta).encode()
        write_members(tmp_path / "old", members)
        for load in (type(est).load, load_estimator):
            with pytest.warns(UserWarning, match="saved with skdvaan 0.0.1") as record:
                load(tmp_path / "old")
            assert record[0].filename == __file__


def test_other_version_warns(tmp_path):
    X, y = make_data()
    clf = tiny().fit(X, y)
    members = read_members(save(clf, tmp_path))
    meta = json.loads(members["metadata.json"])
    meta["versions"]["skdvaan"] = "0.0.1"
    members["metadata.json"] = json.dumps(meta).encode()
    write_members(tmp_path / "old", members)
    with pytest.warns(UserWarning, match="saved with skdvaan 0.0.1"):
        loaded = load_estimator(tmp_path / "old")
    assert_same_classifier(clf, loaded, X)


def test_same_version_does_not_warn(tmp_path):
    X, y = make_data()
    path = save(tiny().fit(X, y), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_estimator(path)


# --------------------------------------------------------- damaged files


def save(est, tmp_path):
    path = tmp_path / "model.skdvaan"
    save_estimator(est, path)
    return path


def read_members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def edit_meta(edit):
    """A corruption that edits the decoded metadata."""

    def corrupt(members):
        meta = json.loads(members["metadata.json"])
        edit(meta)
        members["metadata.json"] = json.dumps(meta).encode()
        return members

    return corrupt


def edit_weights(edit):
    """A corruption that edits the tensors and records their new checksum."""

    def corrupt(members):
        tensors = dict(load_tensors(members["weights.safetensors"]))
        edit(tensors)
        data = save_tensors(tensors)
        members["weights.safetensors"] = data
        meta = json.loads(members["metadata.json"])
        meta["weights_sha256"] = hashlib.sha256(data).hexdigest()
        members["metadata.json"] = json.dumps(meta).encode()
        return members

    return corrupt


def set_in(*keys, value):
    def edit(meta):
        node = meta
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def flip_weight_byte(members):
    data = bytearray(members["weights.safetensors"])
    data[-3] ^= 0xFF
    members["weights.safetensors"] = bytes(data)
    return members


def drop(name):
    def corrupt(members):
        del members[name]
        return members

    return corrupt


def replace(name, data):
    def corrupt(members):
        members[name] = data
        return members

    return corrupt


def with_checksum_of(data):
    def edit(meta):
        meta["weights_sha256"] = hashlib.sha256(data).hexdigest()

    return edit


def both(*corruptions):
    def corrupt(members):
        for c in corruptions:
            members = c(members)
        return members

    return corrupt


def _array(dtype, shape, data):
    return {"__ndarray__": {"dtype": dtype, "shape": shape, "data": data}}


def _rename_first(tensors):
    key = next(iter(tensors))
    tensors[key + "_renamed"] = tensors.pop(key)


def _widen(tensors):
    tensors["discriminator.head.weight"] = torch.zeros(2, 9)


CORRUPTIONS = {
    # the archive
    "missing weights": (drop("weights.safetensors"), "no weights.safetensors member"),
    "missing metadata": (drop("metadata.json"), "no metadata.json member"),
    "bad json": (replace("metadata.json", b"{not json"), "not valid JSON"),
    "json list": (replace("metadata.json", b"[1, 2]"), "does not hold a JSON object"),
    "json NaN": (replace("metadata.json", b'{"format": NaN}'), "not valid JSON"),
    "not utf-8": (replace("metadata.json", b"\xff\xfe"), "not valid JSON"),
    "format name": (
        edit_meta(set_in("format", value="pickle")),
        "names format 'pickle'",
    ),
    "newer format": (
        edit_meta(set_in("format_version", value=3)),
        "format version 3 .* Upgrade skdvaan",
    ),
    "older format": (
        edit_meta(set_in("format_version", value=1)),
        "format version 1 .* Refit the model",
    ),
    "format version type": (
        edit_meta(set_in("format_version", value="1")),
        "format_version",
    ),
    "no versions": (edit_meta(set_in("versions", value=None)), "versions record"),
    "checksum": (flip_weight_byte, "does not match the SHA-256"),
    "not safetensors": (
        both(
            replace("weights.safetensors", b"\x00" * 64),
            edit_meta(with_checksum_of(b"\x00" * 64)),
        ),
        "not a valid safetensors file",
    ),
    # the weights
    "renamed weight": (edit_weights(_rename_first), "unexpected \\['"),
    "missing weight": (
        edit_weights(lambda t: t.pop("encoder.head.bias")),
        "missing \\['encoder.head.bias'\\]",
    ),
    "weight shape": (
        edit_weights(_widen),
        "discriminator.head.weight is \\(\\(2, 9\\)",
    ),
    "weight dtype": (
        edit_weights(lambda t: t.update(mu=t["mu"].double())),
        "wrong shape or dtype: mu",
    ),
    "nan weight": (
        edit_weights(lambda t: t["encoder.head.bias"].fill_(float("nan"))),
        "NaN or inf",
    ),
    # the metadata's content
    "estimator class": (
        edit_meta(set_in("estimator", value="os.system")),
        "unknown estimator",
    ),
    "unknown tag": (
        edit_meta(set_in("params", "max_iter", value={"__reduce__": "os.system"})),
        "unknown entry \\['__reduce__'\\]",
    ),
    "unknown parameter": (
        edit_meta(set_in("params", "exec", value="rm -rf /")),
        "parameters should be",
    ),
    "invalid parameter": (
        edit_meta(set_in("params", "max_iter", value=-1)),
        "invalid parameters: The 'max_iter' parameter",
    ),
    "classes_ type": (
        edit_meta(set_in("attributes", "classes_", value="01")),
        "classes_ must",
    ),
    "classes_ unsorted": (
        edit_meta(set_in("attributes", "classes_", value=_array("<i8", [2], [1, 0]))),
        "bad classes_",
    ),
    "classes_ float data in int array": (
        edit_meta(
            set_in("attributes", "classes_", value=_array("<i8", [2], [0.5, 1.5]))
        ),
        "values of another type",
    ),
    "array shape": (
        edit_meta(set_in("attributes", "classes_", value=_array("<i8", [3], [0, 1]))),
        "shape does not match its data",
    ),
    "array dtype": (
        edit_meta(set_in("attributes", "classes_", value=_array("|O", [2], [0, 1]))),
        "bad dtype '\\|O'",
    ),
    "n_features_in_ type": (
        edit_meta(set_in("attributes", "n_features_in_", value="4")),
        "n_features_in_ must be an int",
    ),
    "history_ type": (
        edit_meta(set_in("attributes", "history_", value=3)),
        "history_ must",
    ),
    "loss curve length": (
        edit_meta(set_in("attributes", "loss_curve_", value=[0.5])),
        "loss_curve_ must be a list of 3 numbers",
    ),
    "scaler missing": (
        edit_meta(set_in("attributes", "scaler_", value=None)),
        "scaler_ must",
    ),
    "scaler zero scale": (
        edit_meta(
            set_in(
                "attributes", "scaler_", "scale_", value=_array("<f8", [4], [0.0] * 4)
            )
        ),
        "scale_ must be positive",
    ),
    "huge hidden layer": (
        # Refused from the weights' shapes: the network is never allocated.
        edit_meta(
            set_in("attributes", "network", "hidden", value={"__tuple__": [10**9]})
        ),
        "wrong shape or dtype",
    ),
    "latent_dim": (
        edit_meta(set_in("attributes", "network", "latent_dim", value=9)),
        "latent_means_ must be an array of shape \\(2, 9\\)",
    ),
    "output": (
        edit_meta(set_in("attributes", "network", "output", value="sigmoid")),
        "network.output must be 'linear'",
    ),
    "logit_bias_ shape": (
        edit_meta(
            set_in("attributes", "logit_bias_", value=_array("<f8", [3], [0.0] * 3))
        ),
        "logit_bias_ must be an array of shape \\(2\\)",
    ),
    "bad float tag": (
        edit_meta(
            set_in("attributes", "best_validation_score_", value={"__float__": "1e9"})
        ),
        "bad float",
    ),
}


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    X, y = make_data()
    path = tmp_path_factory.mktemp("clf") / "model.skdvaan"
    save_estimator(tiny().fit(X, y), path)
    return path.read_bytes()


@pytest.mark.parametrize("case", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_damaged_file_refused(case, saved_classifier, tmp_path):
    corrupt, match = CORRUPTIONS[case]
    original = tmp_path / "original"
    original.write_bytes(saved_classifier)
    path = tmp_path / "damaged"
    write_members(path, corrupt(read_members(original)))
    with pytest.raises(
        ValueError, match=f"^Cannot load skdvaan model from {path}: .*{match}"
    ):
        load_estimator(path)


def test_not_a_zip_or_truncated(saved_classifier, tmp_path):
    path = tmp_path / "m"
    path.write_bytes(b"just some text, not a model")
    with pytest.raises(
        ValueError, match="Cannot load skdvaan model from .*not a zip archive"
    ):
        load_estimator(path)
    path.write_bytes(saved_classifier[: len(saved_classifier) // 2])
    with pytest.raises(
        ValueError, match="Cannot load skdvaan model from .*not a zip archive"
    ):
        load_estimator(path)
    path.write_bytes(pickle.dumps(DVAANClassifier()))
    with pytest.raises(ValueError, match="not a zip archive"):
        load_estimator(path)


def test_damaged_member_data(saved_classifier, tmp_path):
    # Flip a byte inside the stored weights without touching the zip headers:
    # the zip's CRC check catches it before the SHA-256 would.
    data = bytearray(saved_classifier)
    weights = read_members(io.BytesIO(saved_classifier))["weights.safetensors"]
    data[bytes(data).index(weights) + len(weights) // 2] ^= 0xFF
    path = tmp_path / "m"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged or unreadable|not a zip|SHA-256"):
        load_estimator(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_estimator(tmp_path / "absent.skdvaan")


@pytest.mark.parametrize("depth", [700, 100_000])  # past the decoder's, json's limit
def test_deeply_nested_metadata_refused(depth, saved_classifier, tmp_path):
    members = read_members(io.BytesIO(saved_classifier))
    text = members["metadata.json"].decode()
    assert '"max_iter": 3' in text
    nested = "[" * depth + "]" * depth
    members["metadata.json"] = text.replace(
        '"max_iter": 3', f'"max_iter": {nested}'
    ).encode()
    write_members(tmp_path / "m", members)
    with pytest.raises(ValueError, match="not valid JSON|nested too deeply"):
        load_estimator(tmp_path / "m")


def test_zip_bomb_metadata_refused(saved_classifier, tmp_path, monkeypatch):
    path = tmp_path / "m"
    path.write_bytes(saved_classifier)
    monkeypatch.setattr(persistence, "MAX_METADATA_BYTES", 100)
    with pytest.raises(ValueError, match="metadata.json is too large"):
        load_estimator(path)


def test_file_without_logit_bias_loads_with_zeros(tmp_path):
    """Files written before Platt calibration hold no logit_bias_: none was
    fitted, so they load with zeros."""
    X, y = make_data(n=80)
    clf = tiny(early_stopping=True, validation_fraction=0.25).fit(X, y)
    save_estimator(clf, tmp_path / "new")
    members = read_members(tmp_path / "new")
    meta = json.loads(members["metadata.json"])
    del meta["attributes"]["logit_bias_"]
    members["metadata.json"] = json.dumps(meta).encode()
    write_members(tmp_path / "old", members)
    loaded = load_estimator(tmp_path / "old")
    np.testing.assert_array_equal(loaded.logit_bias_, [0.0, 0.0])
    clf.logit_bias_ = np.zeros(2)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_damaged_sampler_file_refused(tmp_path):
    X, y = make_data()
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    members = read_members(save(sampler, tmp_path))
    meta = json.loads(members["metadata.json"])
    meta["attributes"]["sampling_strategy_"] = {"__dict__": [[7, 3]]}
    members["metadata.json"] = json.dumps(meta).encode()
    write_members(tmp_path / "bad", members)
    with pytest.raises(ValueError, match="unknown sampling_strategy_ label"):
        load_estimator(tmp_path / "bad")
    meta["attributes"]["estimator_"]["attributes"]["n_iter_"] = -1
    members["metadata.json"] = json.dumps(meta).encode()
    write_members(tmp_path / "bad", members)
    with pytest.raises(ValueError, match="n_iter_ must be an int >= 0"):
        load_estimator(tmp_path / "bad")


def test_save_and_load_methods(tmp_path):
    X, y = make_data()
    clf = tiny().fit(X, y)
    clf.save(tmp_path / "clf")
    assert_same_classifier(clf, DVAANClassifier.load(tmp_path / "clf"), X)
    sampler = DVAANSampler(estimator=tiny(), random_state=0)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "sampler")
    loaded = DVAANSampler.load(tmp_path / "sampler", device="cpu")
    assert_same_classifier(sampler.estimator_, loaded.estimator_, X)
    with pytest.raises(
        ValueError, match="it holds a DVAANSampler; use DVAANSampler.load"
    ):
        DVAANClassifier.load(tmp_path / "sampler")
    with pytest.raises(
        ValueError, match="it holds a DVAANClassifier; use DVAANClassifier.load"
    ):
        DVAANSampler.load(tmp_path / "clf")
