//! kiOS init: PID 1 of a Kubernetes node. Mounts the base filesystems,
//! starts the container runtime and then the kubelet, keeps them alive,
//! reaps every orphan, and shuts the node down gracefully on request.
//!
//! This file is the boot sequence (SPEC §2), top to bottom.
#![no_std]
#![no_main]
#![deny(unsafe_code, unsafe_op_in_unsafe_fn)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

// Bottom first: each module imports only those above it in this list
// (docs/architecture.md, "Layers").
mod sys;
mod log;
mod trace;
mod etc;
mod daemon;
mod mounts;
mod reap;
mod root;
mod argv;
mod datapart;
mod modules;
mod net;
mod output;
mod repeats;
mod socket;
mod stop;
mod watchdog;
mod node;

use kios::options::{LogSink, Options};
use log::{bytes, milestone};

entry_point!(main);

fn main(startup: sys::Startup) -> ! {
    crate::trace!(entry);
    // Anything but PID 1 (someone ran it on a workstation): refuse, touch nothing.
    if !rustix::process::getpid().is_init() {
        let _ = rustix::io::write(sys::stderr(), b"init: refusing to run: not PID 1\n");
        sys::exit(1);
    }

    // Signals first: all blocked, all read from one descriptor.
    let _ = sys::set_signal_mask(sys::SigSet::ALL);
    let signals = sys::signalfd(sys::SigSet::ALL);
    crate::trace!("signals");

    // A root with a parent mount, which runc can pivot from: before any
    // mount, so every later one is made under it.
    let root = root::enter_bind_of_itself();
    crate::trace!("root");

    // The console: /dev first, so /dev/kmsg exists.
    mounts::dev();
    let early = Options::parse(b"", &startup.env, &mut |_| {});
    log::open_sink(early.log == LogSink::Stderr);
    crate::trace!("dev-console");
    milestone("init-start");
    if let Err((call, e)) = root {
        crate::error!("root: {}: {}; containers cannot pivot_root", call, e);
    }

    mounts::base();
    crate::trace!("base-mounts");
    milestone("base-mounts");

    // Options: /proc/cmdline, then the environment, which wins.
    let mut cmdline = [0u8; 4096];
    let cmdline = etc::contents(c"/proc/cmdline", &mut cmdline).unwrap_or_default();
    let options = Options::parse(cmdline, &startup.env, &mut |w| {
        crate::warn!("option {}={}: {}; default used", bytes(w.name), bytes(w.value), w.reason);
    });

    log::open_sink(options.log == LogSink::Stderr);
    argv::choose_runtime(options.runtime);
    crate::trace!("options");
    // Before the data partition: its disk or filesystem may need one.
    modules::load(options.modules);
    crate::trace!("modules");

    let Ok(signals) = signals else { log::halt("signalfd") };
    let mut node = node::Node::new(signals, &options, prepare_for_kubelet);
    crate::trace!("node");
    // The critical path ends here: the data partition and `/etc`, then the
    // runtime's fork and exec (docs/boot.md). While the runtime starts,
    // what the kubelet needs: `prepare_for_kubelet`, handed to the node
    // above. A partition not there yet is awaited by the loop, which does
    // all three once it is mounted; nothing starts before it.
    node.bring_up(options.datapart);

    // While the runtime starts: `lo`, for its streaming server and the
    // kubelet's health port on 127.0.0.1.
    net::loopback_up();
    crate::trace!("loopback");
    // The system socket, before the kubelet can start: the kubelet connects
    // to it as it starts, to hear of a shutdown (SPEC §5).
    node.open_socket();
    crate::trace!("system-socket");

    node.run(finish_boot)
}

/// What the kubelet needs from the final `/etc` before it starts: run
/// while the runtime starts, once `/etc` is final (at once, or when the
/// awaited data partition is mounted).
fn prepare_for_kubelet() {
    etc::set_hostname();
    crate::trace!("hostname");
    datapart::bind_seccomp();
    crate::trace!("seccomp-bind");
}

/// The boot's last steps, which neither daemon needs to start: run by
/// the loop once the kubelet is started (or a second after the loop
/// began), so that they do not delay it on a single CPU.
fn finish_boot(node: &mut node::Node<impl Fn()>) {
    let _ = node.graceful_timeout_ms(); // read now, not at shutdown
    crate::trace!("grace-period");
    net::enable_forwarding();
    crate::trace!("forwarding");
    let _ = rustix::system::reboot(rustix::system::RebootCommand::CadOff); // ctrl-alt-del → SIGINT
    sys::rename_process(b"kiOS");
    let _ = rustix::fs::unlink(c"/init");
    crate::trace!("cad-rename-unlink");
}
