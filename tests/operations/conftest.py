import pytest

from tests.operations.outage import failing_database


@pytest.fixture
def database_down():
    """Make every new query fail the way a stopped server does (the real outage is tested in test_faults.py)."""
    with failing_database():
        yield
