//! Judging the serial console of a QEMU boot in a test: the failure
//! message and the lifecycle check every QEMU test makes. The console
//! itself (kernel timestamps, milestones, excerpt, timeline) is read by
//! kios-host (host/src/console.rs), shared with the bench and the scripts.
//!
//! Shared by the QEMU test crates (qemu*.rs), each using a part.
#![allow(dead_code)]

#[allow(unused_imports)] // each test crate uses a part
pub use kios_host::console::{first_out_of_order, parse_line, Console, Line, Milestone};

/// Fails test `name` with `what`, the milestones seen and a console excerpt.
pub fn fail(name: &str, what: &str, c: &Console) -> ! {
    panic!(
        "[{name}] {what}\nmilestones:\n{}{}",
        c.timeline(),
        c.excerpt(80)
    );
}

/// Checks a whole boot of test `name`: no kernel panic; the milestones
/// init-start, base-mounts, `datapart` (`datapart-skipped` or
/// `datapart-mounted`), runtime-exec, runtime-ready, kubelet-exec,
/// shutdown-requested, shutdown-continued and `last`, in this order, `last`
/// the last one; the kubelet stand-in's first start after runtime-ready.
/// Returns the console index of the runtime-ready line.
pub fn check_lifecycle(name: &str, c: &Console, datapart: &str, last: &str) -> usize {
    if let Some(i) = c.find("Kernel panic") {
        fail(name, &format!("kernel panic: {}", c.lines[i].text), c);
    }
    let milestones = c.milestones();
    let expected = [
        "init-start",
        "base-mounts",
        datapart,
        "runtime-exec",
        "runtime-ready",
        "kubelet-exec",
        "shutdown-requested",
        "shutdown-continued",
        last,
    ];
    if let Some(missing) = first_out_of_order(&milestones, &expected) {
        fail(
            name,
            &format!("milestone `{missing}` missing or out of order"),
            c,
        );
    }
    if milestones.last().map(|m| m.name.as_str()) != Some(last) {
        fail(name, &format!("`{last}` is not the last milestone"), c);
    }
    let ready = milestones
        .iter()
        .find(|m| m.name == "runtime-ready")
        .unwrap()
        .index;
    match c.find("standin-kubelet: start 1") {
        Some(start) if start > ready => {}
        Some(_) => fail(name, "kubelet stand-in started before runtime-ready", c),
        None => fail(name, "no `standin-kubelet: start 1` report", c),
    }
    ready
}
