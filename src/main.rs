//! kiOS init: PID 1 of a Kubernetes node. Mounts the base filesystems,
//! starts the container runtime and then the kubelet, keeps them alive,
//! reaps every orphan, and shuts the node down gracefully on request.
//!
//! This file is the boot sequence (SPEC §2), top to bottom.
#![no_std]
#![no_main]
#![deny(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod argv;
mod daemon;
mod etc;
mod log;
mod mounts;
mod net;
mod node;
mod output;
mod reap;
mod socket;
mod stop;
mod sys;

use kios::options::{Datapart, LogSink, Options};
use log::{bytes, milestone};

fn main(startup: sys::Startup) -> ! {
    // Anything but PID 1 (someone ran it on a workstation): refuse, touch nothing.
    if !rustix::process::getpid().is_init() {
        let _ = rustix::io::write(sys::stderr(), b"init: refusing to run: not PID 1\n");
        sys::exit(1);
    }

    // Signals first: all blocked, all read from one descriptor.
    let _ = sys::set_signal_mask(sys::SigSet::ALL);
    let signals = sys::signalfd(sys::SigSet::ALL);

    // The console: /dev first, so /dev/kmsg exists.
    mounts::dev();
    let early = Options::parse(b"", &startup.env, &mut |_| {});
    log::open_sink(early.log == LogSink::Stderr);
    milestone("init-start");

    mounts::base();
    milestone("base-mounts");

    // Options: /proc/cmdline, then the environment, which wins.
    let mut cmdline = [0u8; 4096];
    let len = etc::read(c"/proc/cmdline", &mut cmdline).unwrap_or(0);
    let options = Options::parse(cmdline.get(..len).unwrap_or_default(), &startup.env, &mut |w| {
        crate::warn!("option {}={}: {}; default used", bytes(w.name), bytes(w.value), w.reason);
    });

    log::open_sink(options.log == LogSink::Stderr);
    net::loopback_up();

    // The data partition (SPEC §4) is not implemented yet: every setting
    // but `datapart=none` says so on the console, and the node runs diskless.
    if options.datapart != Datapart::None {
        crate::warn!("datapart: only datapart=none is supported so far; running diskless");
    }
    milestone("datapart-skipped");

    etc::set_hostname();

    let Ok(signals) = signals else { halt("signalfd failed: cannot supervise") };
    let timeout_s = kios::shutdown::graceful_timeout_s(options.shutdown_timeout, kubelet_grace_period());
    let mut node = match node::Node::new(signals, timeout_s, options.stop_timeout) {
        Ok(node) => node,
        Err(_) => halt("epoll failed: cannot supervise"),
    };
    node.start_runtime();

    // While the runtime starts.
    net::enable_forwarding();
    node.open_socket();
    let _ = rustix::system::reboot(rustix::system::RebootCommand::CadOff); // ctrl-alt-del → SIGINT
    sys::rename_process(b"kiOS");
    let _ = rustix::fs::unlink(c"/init");

    node.run()
}

/// Before supervision could start: say why on the console and wait
/// forever (PID 1 must not exit; an operator reads the console).
fn halt(why: &str) -> ! {
    crate::error!("{}; halting", why);
    loop {
        rustix::event::pause();
    }
}

/// `shutdownGracePeriod` from the kubelet's config file, if set.
fn kubelet_grace_period() -> Option<u32> {
    let mut buf = [0u8; 8192];
    let len = etc::read(c"/etc/kubernetes/config.yaml", &mut buf)?;
    kios::grace::shutdown_grace_period(buf.get(..len)?)
}
