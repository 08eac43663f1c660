"""The configure answer is built without DRF's field machinery (hot path); it must stay
exactly what ConfigurationSerializer, the published schema, says."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from configurator.selectors import configure_product
from configurator.serializers import ConfigurationSerializer, configuration_json
from tests.demo import NB14

pytestmark = pytest.mark.django_db

CASES = [
    {},
    {"cpu": ["u7"], "memory": ["32gb"]},
    NB14,
    {**NB14, "display": ["oled"], "battery": ["54wh"]},  # a conflict with a resolution
    {"cpu": ["u7"], "display": ["oled"]},
]


@pytest.mark.parametrize("selections", CASES)
def test_fast_rendering_equals_the_serializer(selections):
    answer = configure_product(code="nb14", selections=selections)
    fast = JSONRenderer().render(configuration_json(answer))
    slow = JSONRenderer().render(ConfigurationSerializer(answer).data)
    assert json.loads(fast) == json.loads(slow)
