"""The hostile tests use the fault tests' process fixtures."""

from tests.faults.conftest import demo_realtime, start_service, throwaway_redis

__all__ = ["demo_realtime", "start_service", "throwaway_redis"]
