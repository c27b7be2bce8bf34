//! The hard shutdown (SPEC §5): kubelet, then runtime, then everyone else;
//! unmount, sync, power off or reboot. Never returns.

use crate::log::milestone;
use crate::reap;
use crate::sys;
use kios::shutdown::Goal;
use rustix::fd::OwnedFd;
use rustix::process::{kill_process, Pid, Signal};
use rustix::system::{reboot, RebootCommand};

/// Stops every process and ends the node. `kubelet` and `runtime` are the
/// daemons' pids if they run; `stop_timeout_s` bounds each wait;
/// `before_unmount` runs once no process is left.
#[inline(always)] // into its one caller, `Node::hard`
pub fn hard_shutdown(
    goal: Goal,
    signals: &OwnedFd,
    kubelet: Option<Pid>,
    runtime: Option<Pid>,
    stop_timeout_s: u32,
    before_unmount: &mut dyn FnMut(),
) -> ! {
    milestone("shutdown-continued");
    let timeout_ms = u64::from(stop_timeout_s).saturating_mul(1000);
    stop_one("kubelet", kubelet, signals, timeout_ms);
    stop_one("runtime", runtime, signals, timeout_ms);
    let _ = sys::kill_all(Signal::TERM);
    if !reap::wait_for(signals, 0, timeout_ms) {
        crate::warn!("processes left after {} s: killing them", stop_timeout_s);
        let _ = sys::kill_all(Signal::KILL);
        reap::wait_for(signals, 0, 5000);
    }
    before_unmount();
    crate::mounts::unmount_all();
    rustix::fs::sync();
    let (name, command) = match goal {
        Goal::PowerOff => ("power-off", RebootCommand::PowerOff),
        Goal::Reboot => ("reboot", RebootCommand::Restart),
    };
    milestone(name);
    if let Err(e) = reboot(command) {
        crate::error!("reboot: {}; halting here", e);
    }
    loop {
        // Reaps forever: PID 1 itself never exits.
        reap::wait_for(signals, 1, u64::MAX); // itself: never reaped
    }
}

/// SIGTERM to `pid` (if it runs), wait for it up to `timeout_ms`, then SIGKILL.
#[inline(never)]
fn stop_one(name: &str, pid: Option<Pid>, signals: &OwnedFd, timeout_ms: u64) {
    let Some(target) = pid else { return };
    if kill_process(target, Signal::TERM).is_err() {
        return;
    }
    if !reap::wait_for(signals, target.as_raw_nonzero().get(), timeout_ms) {
        crate::warn!("{} did not stop in time: killing it", name);
        let _ = kill_process(target, Signal::KILL);
    }
}
