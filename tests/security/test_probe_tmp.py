import copy, json
import pytest
from configurator.services import import_catalogue, CatalogueRejected
from configurator.interchange import load_catalogue_text, CatalogueFormatError
from tests.unit.catalogue.conftest import FIXTURES

BASE = json.loads((FIXTURES / "design_example_completed.json").read_text())

@pytest.mark.django_db
@pytest.mark.parametrize("mut", ["nul", "surrogate", "1e308attr", "bigint_attr", "float_stock", "negzero", "date", "limit"])
def test_probe(mut):
    d = copy.deepcopy(BASE)
    if mut == "nul":
        d["components"][0]["name"] = "a\x00b"
    elif mut == "surrogate":
        text = json.dumps(d).replace("Core Ultra 7 155H", "\\ud800")
        d = load_catalogue_text(text)
    elif mut == "1e308attr":
        d["products"][0]["groups"][0]["options"][0]["attributes"]["watts"] = 1e308
        d["products"][0]["groups"][0]["options"][1]["attributes"]["watts"] = 1e308
    elif mut == "bigint_attr":
        d["products"][0]["groups"][0]["options"][0]["attributes"]["watts"] = 10**400
    elif mut == "float_stock":
        d["components"][0]["stock"] = 1e3
    elif mut == "negzero":
        d["components"][0]["stock"] = -0.0
    elif mut == "date":
        d["components"][0]["supply"][0]["available_on"] = "2026-02-30"
    elif mut == "limit":
        d["products"][0]["rules"][3] = {"id": "power", "type": "sum", "attribute": "watts", "op": "<=", "limit": 10**400, "message": "x"}
    try:
        r = import_catalogue(document=d, publish=True)
        print(mut, "OK", r)
    except CatalogueRejected as e:
        print(mut, "REJECTED", e)
