"""A device simulator: the Python sync client the tests, benchmarks and harnesses drive with."""
