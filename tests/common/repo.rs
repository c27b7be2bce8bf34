//! Where the repository is, for every test file (the namespace harness
//! through `common`, the others through `#[path = "common/repo.rs"]`).

use std::path::{Path, PathBuf};

/// The repository root (this package lives in `tests/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}
