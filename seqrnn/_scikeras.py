"""The one module that imports scikeras.

:class:`~seqrnn.RNNSequenceClassifier` and :class:`~seqrnn.RNNSequenceRegressor`
take scikeras's parameter routing: besides their own parameters, the
constructor and ``set_params`` accept ``model__<name>`` (an argument of the
network builder), ``optimizer__<name>`` (of Adam), ``compile__<name>`` (of
``keras.Model.compile``), ``fit__<name>`` and ``predict__<name>``, routed with
scikeras's own ``route_params`` and ``unflatten_params``. They do not subclass
scikeras's wrappers, because what those get wrong with scikit-learn 1.9 can
only be fixed by leaving them out of the class hierarchy:

* **Tags.** scikeras's ``BaseWrapper`` declares tags with ``_more_tags``,
  which scikit-learn >= 1.6 ignores: ``KerasClassifier`` is not a classifier
  to ``is_classifier``, so the classifier checks never run, and every
  subclass fails ``check_estimator_tags_renamed``, which inspects each class
  of the MRO. :class:`KerasSequenceWrapper` declares ``__sklearn_tags__``.
* **Mixin order.** ``KerasClassifier(BaseWrapper, ClassifierMixin)`` puts
  ``BaseEstimator`` before ``ClassifierMixin`` in the MRO, and no subclass can
  reorder that. The estimators put their mixin first.
* **Input validation.** scikeras accepts sparse input (converting it to
  ``lil_matrix``), checks only ``X.shape[1:]`` at predict time, and sets
  attributes before every input is checked. The estimators check ``X``,
  ``y`` and ``sample_weight`` before anything changes, refuse sparse input
  with a message that says so, and check the number of features per time
  step at predict time (a different length is a different sequence, not an
  error).
* **Randomness.** With an int ``random_state``, scikeras reseeds Python's,
  NumPy's and TensorFlow's global generators and turns on TensorFlow's op
  determinism while it builds and fits; without one, Keras initializers draw
  from a global seed generator, so results depend on how many models were
  built before. The estimators seed every initializer, dropout layer and
  shuffle from their own ``random_state`` and touch no global state.
* **class_weight.** ``KerasClassifier.fit`` multiplies the caller's
  ``sample_weight`` array in place; the estimators work on copies.
* **Side effects on import.** ``import scikeras`` replaces the pickling
  (``__reduce__``, ``__deepcopy__``) of every Keras model, loss, metric and
  optimizer in the process. :func:`_import_scikeras` gives Keras its own
  methods back, so Keras behaves the same whether seqrnn is imported or not.

Sequence encoding, the network and the training loop live elsewhere: to
replace scikeras, rewrite this file alone.
"""

import inspect
import sys
from contextlib import contextmanager

import keras
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import validate_parameter_constraints

from ._core import NonFiniteLossError
from ._validation import validate_params

__all__ = ["KerasSequenceWrapper", "ROUTES"]

_MISSING = object()
#: The Keras methods that ``import scikeras`` overwrites.
_PATCHED_BY_SCIKERAS = (
    (keras.Model, "__reduce__"),
    (keras.Model, "__deepcopy__"),
    (keras.losses.Loss, "__reduce__"),
    (keras.metrics.Metric, "__reduce__"),
    (keras.optimizers.Optimizer, "__reduce__"),
)


def _import_scikeras():
    """Import scikeras's routing helpers, then give Keras back its own methods.

    If scikeras was imported before seqrnn, its patches were the user's
    choice and stay.
    """
    already_imported = "scikeras" in sys.modules
    before = {key: key[0].__dict__.get(key[1], _MISSING) for key in _PATCHED_BY_SCIKERAS}
    from scikeras import _utils

    if not already_imported:
        for (cls, name), original in before.items():
            if original is not _MISSING:
                setattr(cls, name, original)
            elif name in cls.__dict__:
                delattr(cls, name)
    return _utils.route_params, _utils.unflatten_params


route_params, unflatten_params = _import_scikeras()

#: Where each routed-parameter prefix goes.
ROUTES = {
    "model": "the network builder",
    "optimizer": "keras.optimizers.Adam",
    "compile": "keras.Model.compile",
    "fit": "fit",
    "predict": "predict",
}


def _keyword_names(func, exclude=()):
    """Names of the keyword arguments of ``func``, without ``exclude``."""
    return {
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    } - set(exclude)


class KerasSequenceWrapper(BaseEstimator):
    """Base class: scikeras's routed parameters, scikit-learn 1.9's tags.

    Subclasses define ``__init__`` with explicit keyword parameters and a
    final ``**routed_params``, handed to :meth:`_set_routed_params`, and
    implement ``_routed_keys()``, which gives, for each prefix of
    :data:`ROUTES`, the names a routed parameter may set. They read settings
    through :meth:`_setting` and :meth:`_routed`, and build their optimizer
    and compile their network with :meth:`_make_optimizer` and
    :meth:`_compile`. A subclass puts its scikit-learn mixin first:
    ``class Estimator(ClassifierMixin, ...)``.
    """

    #: The prefixes of routed parameters (scikeras's name for them).
    _routing_prefixes = frozenset(ROUTES)

    # -------------------------------------------------------- parameters
    def _set_routed_params(self, routed_params):
        """Store routed parameters as attributes, as scikeras does.

        Like every parameter, they are checked in ``fit``: there, a name
        without a known prefix is refused (it can only be a typo).
        """
        vars(self).update(routed_params)

    @classmethod
    def _init_param_names(cls):
        return _keyword_names(cls.__init__)

    def _get_param_names(self):
        # The signature's parameters, then those given through
        # ``**routed_params``: as in scikeras, the other public attributes
        # that are not fitted ones (a trailing "_").
        own = self._init_param_names()
        extra = sorted(
            name for name in vars(self)
            if name not in own and not name.startswith("_") and not name.endswith("_")
        )
        return sorted(own) + extra

    def set_params(self, **params):
        """Set parameters, routed ones (``model__units=8``) included.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and routed parameters whose prefix is one
            of ``model``, ``optimizer``, ``compile``, ``fit``, ``predict``.

        Returns
        -------
        self : estimator instance
        """
        own = {}
        for name, value in params.items():
            if "__" in name and name.split("__", 1)[0] in self._routing_prefixes:
                setattr(self, name, value)
            else:
                own[name] = value
        return super().set_params(**own)

    def _routed(self, destination):
        """The routed parameters of ``destination``, prefix removed."""
        return route_params(
            self.get_params(deep=False), destination=destination, pass_filter=set(), strict=True
        )

    def _predict_batch_size(self, default):
        """``predict__batch_size`` if it is set (checked: it may be set after
        ``fit``, which checks the other parameters), else ``default``."""
        routed = self._routed("predict")
        if "batch_size" not in routed:
            return default
        batch_size = routed["batch_size"]
        constraints = self._parameter_constraints.get("batch_size")
        if constraints is not None:
            validate_parameter_constraints(
                {"predict__batch_size": constraints}, {"predict__batch_size": batch_size},
                caller_name=type(self).__name__,
            )
        return batch_size

    def _setting(self, name, destination):
        """``destination__name`` if it is set, else the parameter ``name``."""
        return self._routed(destination).get(name, getattr(self, name))

    def _check_params(self):
        """Check every parameter, routed ones included, as ``fit`` does."""
        validate_params(self)
        self._check_routed_params()

    def _check_routed_params(self):
        """Refuse an unknown parameter, or a routed one with a bad value.

        One that overrides an estimator parameter of the same name
        (``model__units``, ``fit__epochs``) must satisfy its constraint.
        """
        allowed = self._routed_keys()
        name = type(self).__name__
        own = self._init_param_names()
        for key, value in self.get_params(deep=False).items():
            if key in own:
                continue
            prefix, _, target = key.partition("__")
            if prefix not in ROUTES or not target:
                raise ValueError(
                    f"{name} got an unknown parameter {key!r}. Its parameters are "
                    f"{', '.join(sorted(own))}; routed parameters start with "
                    f"{', '.join(p + '__' for p in ROUTES)}."
                )
            if target not in allowed[prefix]:
                choices = ", ".join(f"{prefix}__{k}" for k in sorted(allowed[prefix]))
                raise ValueError(
                    f"The routed parameter {key!r} of {name} sets nothing that "
                    f"{ROUTES[prefix]} takes; the {prefix}__ parameters are: {choices}."
                )
            if target in self._parameter_constraints:
                validate_parameter_constraints(
                    {key: self._parameter_constraints[target]}, {key: value}, caller_name=name
                )

    # ------------------------------------------------------ Keras plumbing
    def _make_optimizer(self, **defaults):
        """Adam with ``defaults``, overridden by the ``optimizer__`` parameters."""
        routed = route_params(
            self.get_params(deep=False), destination="optimizer", pass_filter=set()
        )
        return unflatten_params(items=keras.optimizers.Adam, params={**defaults, **routed})

    @contextmanager
    def _keras_settings_named(self):
        """Name the ``optimizer__`` / ``compile__`` values in an error from Keras.

        Those values go to Keras as given (only their names are checked), and
        a bad one (``optimizer__beta_1="x"``) fails inside Keras's training
        step with a message that names no parameter; a note on the exception
        names the routed values in play.
        """
        try:
            yield
        except Exception as exc:
            routed = [
                f"{key}={value!r}" for key, value in self.get_params(deep=False).items()
                if key.partition("__")[0] in ("optimizer", "compile")
            ]
            if routed and not isinstance(exc, NonFiniteLossError):
                exc.add_note(
                    f"{type(self).__name__} passed these routed parameters to Keras "
                    f"unchecked: {', '.join(routed)}."
                )
            raise

    def _compile(self, model, *, loss, optimizer):
        """Compile ``model``; the ``compile__`` parameters are added."""
        model.compile(optimizer=optimizer, loss=loss, **self._routed("compile"))

    @staticmethod
    def _optimizer_keys():
        return _keyword_names(keras.optimizers.Adam, exclude={"name"})

    @staticmethod
    def _compile_keys():
        return _keyword_names(keras.Model.compile, exclude={"optimizer", "loss", "loss_weights"})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        # input_tags.string stays False although rows of str tokens are
        # accepted: scikit-learn reads it only in check_dtype_object, to
        # spare estimators that take raw strings a per-element type check.
        # Ours makes that check (an object array holds numbers or str
        # tokens) and raises the TypeError the check expects otherwise.
        tags.input_tags.string = False
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
