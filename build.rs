//! Link settings for the `init` binary only (tests and host tools link normally).
//!
//! The same settings in two spellings: through a C compiler driver (`cc`
//! on x86_64, or a cross gcc such as `aarch64-linux-gnu-gcc`), or straight
//! to the linker when it is `rust-lld` (.cargo/config.toml chooses it for
//! aarch64, so no cross compiler is needed to build the arm64 init).

fn main() {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let script = format!("{}/linker/{arch}.ld", env!("CARGO_MANIFEST_DIR"));
    // Cargo tells build scripts the linker configured for the target, if any.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_default();
    let direct = std::path::Path::new(&linker)
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("lld"));
    let args: &[&str] = if direct {
        &[
            // ld knows no crt files nor default libraries: nothing to turn off.
            "-static",            // no PT_INTERP, no NEEDED
            "--no-pie",           // static non-PIE: nothing to relocate at start (undoes rustc's -pie)
            "--gc-sections",      // drop unused functions
            "--build-id=none",    // no note section to carry
            "-z", "norelro",      // no RELRO segment (nothing is relocated; undoes rustc's -z relro)
            "-z", "noexecstack",
            "-n",                 // no page alignment padding between segments
            "--no-eh-frame-hdr",  // no unwind tables, so no PT_GNU_EH_FRAME (undoes rustc's --eh-frame-hdr)
            "--icf=all",          // identical functions kept once (core's panic stubs, the outliner's pieces)
            "-O2",                // a string that ends another is kept once, as that one's tail
            &format!("--script={script}"), // section layout, see the script's comments
        ]
    } else {
        &[
            "-nostartfiles",       // our own `_start` in src/sys.rs
            "-nostdlib",           // no libc, no libgcc: mem* are in src/sys.rs
            "-static",             // no PT_INTERP, no NEEDED
            "-no-pie",             // static non-PIE: nothing to relocate at start
            "-Wl,--gc-sections",   // drop unused functions
            "-Wl,--build-id=none", // no note section to carry
            "-Wl,-z,norelro",      // no RELRO segment (nothing is relocated)
            "-Wl,-z,noexecstack",
            "-Wl,-n",              // no page alignment padding between segments
            &format!("-Wl,-T,{script}"), // section layout, see the script's comments
        ]
    };
    for arg in args {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=linker");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
}
