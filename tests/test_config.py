"""Bad configuration values fail before simulating, with one clear line."""

import pytest
from hydra import compose, initialize_config_dir

from sim.config import ConfigError, field_specs, make_config, replace
from sim.simulate import build
from tests.paths import CONFIGS


@pytest.fixture(scope="module")
def toy():
    return make_config("toy", steps=5)


@pytest.mark.parametrize("field, value, expected", [
    ("steps", -5, "steps = -5 is not allowed: must be an integer in [1, 36500]"),
    ("engine", "cuda", "engine = 'cuda' is not allowed: must be one of 'numba', 'python'"),
    ("seed", 1.5, "seed = 1.5 is not allowed: must be an integer"),
    ("scenario.cell_km", 0.5,
     "scenario.cell_km = 0.5 is not allowed: must be a number in [2, 200]"),
    ("model.post_detection_prob", 1.5,
     "model.post_detection_prob = 1.5 is not allowed: must be a number in [0, 1]"),
    ("scenario.countries.AAA.penalty_years", "ten",
     "scenario.countries.AAA.penalty_years = 'ten' is not allowed: must be a number in [0, 100]"),
    ("scenario.commodities.fuel.unit", "barrel",
     "scenario.commodities.fuel.unit = 'barrel' is not allowed: must be one of 'kg', 'L'"),
    ("scenario.commodities.cocaine.sources", [],
     "scenario.commodities.cocaine.sources = [] is not allowed: must be a non-empty list"),
    ("scenario.countries.BBB.border_posts", "yes",
     "scenario.countries.BBB.border_posts = 'yes' is not allowed: must be true or false"),
])
def test_bad_values_name_field_value_and_allowed(toy, field, value, expected):
    with pytest.raises(ConfigError) as err:
        replace(toy, **{field: value})
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_unknown_field_is_named(toy):
    with pytest.raises(ConfigError, match=r"^model\.route_nosie is not a known field"):
        replace(toy, **{"model.route_nosie": 0.1})


def test_unknown_site_fails_before_simulating(toy):
    bad = replace(toy, **{"scenario.commodities.cocaine.sources": ["Alport", "Atlantis"]})
    with pytest.raises(ConfigError, match=r"sources\[1\] = 'Atlantis' is not allowed: must be "
                                          r"a site of region 'toy'"):
        build(bad)


def test_countries_must_match_the_region(toy):
    from sim.config import ModelConfig, from_dict, to_dict
    data = to_dict(toy)
    data["scenario"]["countries"].pop("CCC")
    data["scenario"]["country_groups"] = {}
    cfg = from_dict(ModelConfig, data)
    with pytest.raises(ConfigError, match=r"scenario\.countries\.CCC is not allowed"):
        build(cfg)


def test_a_country_group_must_name_core_countries(toy):
    from sim.config import ModelConfig, from_dict, to_dict
    data = to_dict(toy)
    data["scenario"]["country_groups"]["corridor"] = ["AAA", "ZZZ"]
    with pytest.raises(ConfigError, match=r"^scenario\.country_groups\.corridor\[1\] = 'ZZZ' "
                                          r"is not allowed: must be a core country"):
        from_dict(ModelConfig, data)
    data["scenario"]["country_groups"] = {"all": ["AAA"]}
    with pytest.raises(ConfigError, match=r"^scenario\.country_groups\.all is not allowed"):
        from_dict(ModelConfig, data)


def test_policies_name_country_groups_resolved_per_scenario():
    from sim.simulate import build
    wa = build(make_config("west_africa", policy="joint_operations", steps=1))
    toy = build(make_config("toy", policy="joint_operations", steps=1))
    assert wa.timeline.entries[0].policy.country_codes == ["BEN", "NGA", "NER", "TGO", "GHA"]
    assert toy.timeline.entries[0].policy.country_codes == ["AAA", "BBB", "CCC"]
    # the cost per country follows the number of partners: 3.0 m + 0.5 m per country
    assert wa.timeline.yearly_cost_usd() == pytest.approx(5.5e6)
    assert toy.timeline.yearly_cost_usd() == pytest.approx(4.5e6)
    with pytest.raises(ConfigError, match=r"policy\.policies\.joint_operations\.countries\[0\] "
                                          r"= 'sahel' is not allowed: .*country groups \(all, "
                                          r"corridor"):
        make_config("toy", policy="joint_operations",
                    overrides={"policy.policies.joint_operations.countries": ["sahel"]})


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(ConfigError, match=r"scenario = 'atlantis' is not allowed: .*toy"):
        make_config("atlantis")


def test_every_numeric_field_documents_its_range():
    for path, meta in field_specs().items():
        if meta["type"] in ("int", "float"):
            assert meta["lo"] is not None and meta["hi"] is not None, path


def test_hydra_compose_gives_a_valid_config():
    from experiments.common import split_config

    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=toy", "seed=3", "steps=12",
                                                       "model.route_noise=0.2"])
    model_cfg, output = split_config(cfg)
    assert model_cfg.seed == 3 and model_cfg.steps == 12
    assert model_cfg.model.route_noise == 0.2 and output.format == "parquet"
    assert model_cfg == make_config("toy", seed=3, steps=12,
                                    overrides={"model.route_noise": 0.2})
