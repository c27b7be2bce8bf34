//! Shared harness of the namespace tests.
