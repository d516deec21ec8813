"""The numeric pipeline steps follow scikit-learn's estimator rules."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from analysis.classify import PrototypeClassifier
from analysis.clean import Normaliser, Redactor
from analysis.cluster import AutoKMeans


@parametrize_with_checks([PrototypeClassifier(), AutoKMeans(n_clusters=3), AutoKMeans()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_text_steps_store_params_only_and_clone():
    # Text-in steps cannot take check_estimator's numeric data; check the rules that apply.
    for step in (Redactor(staff_names=["Jo Bloggs"]), Normaliser(expand=False)):
        params = step.get_params()
        twin = clone(step)
        assert twin.get_params() == params
        assert not [k for k in vars(step) if k.endswith("_")]
