//! Link settings for the `init` binary only (tests and host tools link normally).

fn main() {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let script = format!("{}/linker/{arch}.ld", env!("CARGO_MANIFEST_DIR"));
    for arg in [
        "-nostartfiles",          // our own `_start` in src/sys.rs
        "-nostdlib",              // no libc, no libgcc: mem* are in src/sys.rs
        "-static",                // no PT_INTERP, no NEEDED
        "-no-pie",                // static non-PIE: nothing to relocate at start
        "-Wl,--gc-sections",      // drop unused functions
        "-Wl,--build-id=none",    // no note section to carry
        "-Wl,-z,norelro",         // no RELRO segment (nothing is relocated)
        "-Wl,-z,noexecstack",
        "-Wl,-n",                 // no page alignment padding between segments
        &format!("-Wl,-T,{script}"), // section layout, see the script's comments
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=linker");
}
