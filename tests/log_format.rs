//! The init's log formats are checked when compiling (`kios::logfmt`,
//! called by the log macros in a `const` block): a format whose `{}`s and
//! arguments differ in number, or one holding a control byte, does not
//! build. Each case builds the init (release, its own target
//! directory under target/tmp/log-format) with `--cfg kios_bad_log=CASE`,
//! which compiles one such line into `log::milestone` (src/log.rs); the
//! control case, a good line, must build, so a failure of the others is
//! the check's and not the harness's. Needs the toolchain, offline.

#[path = "common/repo.rs"]
mod repo;

use std::process::Command;

/// Builds the init with `--cfg kios_bad_log="case"`: whether it built,
/// and the compiler's output.
fn build(case: &str) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .current_dir(repo::root())
        .args(["build", "--release", "--offline", "-p", "kios-init", "--bin", "init", "--target-dir"])
        .arg(repo::root().join("target/tmp/log-format"))
        .env("RUSTFLAGS", format!("--cfg kios_bad_log=\"{case}\""))
        .output()
        .expect("run cargo");
    (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn log_formats_are_checked_when_compiling() {
    let (built, out) = build("none");
    assert!(built, "the control case, a good line, must build:\n{out}");

    let (built, out) = build("count");
    assert!(!built, "info!(\"{{}} and {{}}\", 1) built");
    assert!(out.contains("a log format's `{}`s and its arguments differ in number"), "{out}");
    assert!(out.contains("src/log.rs"), "the error names the line's file:\n{out}");

    let (built, out) = build("control");
    assert!(!built, "warn!(\"tab\\there\") built");
    assert!(out.contains("a log format holds a control or non-ASCII byte"), "{out}");
}
