"""Performance benchmarks (run ``python -m benchmarks.bench``; not part of the test suite)."""
