//! The running node (SPEC §6): one epoll loop over the signal descriptor,
//! the system socket and its clients, inotify, and the timers of restarts
//! and of the shutdown deadline.

use crate::argv::{self, KUBECONFIG};
use crate::argv::Daemon;
use crate::daemon;
use crate::datapart;
use crate::log::milestone;
use crate::repeats::{Repeat, Repeats};
use crate::output::Output;
use crate::socket::SystemSocket;
use crate::sys;
use kios::options::{Datapart, Options};
use kios::protocol::Command;
use kios::shutdown::{Action, Goal, State};
use kios::supervisor::Supervisor;
use kios::token::Token;
use rustix::event::epoll;
use core::ffi::CStr;
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::fs::inotify;
use linux_raw_sys::general::{SIGCHLD, SIGINT, SIGPWR, SIGTERM};
use rustix::process::{Pid, Signal};

/// The longest the boot's last steps wait for the kubelet's start (ms).
const FINISH_AFTER_MS: u64 = 1000;
/// How often the watched files are checked when inotify failed (ms).
const POLL_FILES_MS: u64 = 1000;

/// Everything the supervision loop owns. `P` is the boot's step that
/// prepares the kubelet's start (`main`'s `prepare_for_kubelet`): a type
/// of its own, so the loop calls it directly.
pub struct Node<'a, P: Fn()> {
    state: State,
    runtime_ready: bool,
    kubelet_standalone: bool,
    epoll: OwnedFd,
    /// The signal descriptor (every signal is blocked and read here).
    pub signals: OwnedFd,
    inotify: Option<OwnedFd>,
    /// When to check the watched files next, once inotify failed.
    poll_files_at_ms: Option<u64>,
    /// `/dev/null`, where a full log FIFO's oldest output goes; opened
    /// first, so it has a low number: it is also the descriptor kept in
    /// reserve, released at shutdown so the mount table can be read even
    /// when PID 1 has run out of descriptors (EMFILE).
    null: Option<OwnedFd>,
    runtime: Supervisor,
    kubelet: Supervisor,
    /// The data partition, while it is awaited.
    datapart: Option<datapart::Wait<'a>>,
    socket: Option<SystemSocket>,
    /// Indexed by `Daemon as usize`.
    outputs: [Option<Output>; 2],
    /// `kios.shutdown_timeout`; the deadline itself is known once `/etc` is.
    shutdown_timeout_s: Option<u32>,
    /// The boot's last steps, which neither daemon needs (`main`'s
    /// `finish_boot`): run once the kubelet is started, or at
    /// `finish_at_ms`, whichever comes first.
    finish: Option<fn(&mut Node<'a, P>)>,
    /// What the kubelet needs from `/etc`: run as soon as `/etc` is
    /// final, while the runtime starts.
    prepare_for_kubelet: P,
    finish_at_ms: u64,
    /// The graceful shutdown's deadline, once read (see `graceful_timeout_ms`).
    graceful_timeout_ms: Option<u64>,
    stop_timeout_s: u32,
    /// The rate limits of the lines others can make repeat.
    repeats: Repeats,
    /// The hardware watchdog, if `kios.watchdog` arms it.
    watchdog: Option<crate::watchdog::Watchdog>,
}

impl<'a, P: Fn()> Node<'a, P> {
    /// Prepares the loop with the timeouts of `options`, the boot's step
    /// `prepare_for_kubelet` (see [`Node::settle`]), and the runtime's
    /// output (its stdout and stderr at its exec); halts without epoll
    /// (nothing could be supervised). The rest (inotify, the kubelet's
    /// output) waits until the runtime is started.
    #[inline(always)] // into its one caller, `main`
    pub fn new(signals: OwnedFd, options: &Options, prepare_for_kubelet: P) -> Node<'a, P> {
        let null = rustix::fs::open(c"/dev/null", rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty()).ok();
        let Ok(epoll) = epoll::create(epoll::CreateFlags::CLOEXEC)
            .and_then(|epoll| sys::epoll_add(&epoll, &signals, Token::Signals.encode()).map(|()| epoll))
        else {
            crate::log::halt("epoll")
        };
        crate::trace!("epoll");
        let outputs = [open_output(&epoll, Daemon::Runtime), None];
        crate::trace!("runtime-output");
        Node {
            epoll,
            signals,
            socket: None,
            inotify: None,
            poll_files_at_ms: None,
            runtime: Supervisor::new(),
            kubelet: Supervisor::new(),
            outputs,
            null,
            runtime_ready: false,
            kubelet_standalone: false,
            state: State::Running,
            datapart: None,
            shutdown_timeout_s: options.shutdown_timeout,
            graceful_timeout_ms: None,
            stop_timeout_s: options.stop_timeout,
            watchdog: crate::watchdog::Watchdog::open(options.watchdog),
            repeats: Repeats::default(),
            finish: None,
            prepare_for_kubelet,
            finish_at_ms: 0,
        }
    }

    /// The data partition (SPEC §4), then the node's settings and the
    /// runtime. A partition that is not there yet is awaited from the loop
    /// (on every device node created, and at least every 10 s) while the
    /// signals and the socket are served; nothing starts before it.
    pub fn bring_up(&mut self, wanted: Datapart<'a>) {
        if wanted == Datapart::None {
            crate::trace!("datapart");
            milestone("datapart-skipped");
            return self.settle(false);
        }
        self.datapart = Some(datapart::Wait::new(wanted));
        self.await_datapart(false); // the first attempt; settles if it mounts
        if self.datapart.is_some() {
            self.watch(c"/dev", linux_raw_sys::general::IN_CREATE);
        }
    }

    /// `/etc` is final: the runtime starts at once (it needs nothing more);
    /// then, while it starts, what the kubelet needs before its exec: its
    /// output, the runtime's socket watched, with a data partition the
    /// daemons' output kept on it, the boot's `prepare_for_kubelet`
    /// (hostname, seccomp profiles), and the kubelet's files watched. The
    /// kubelet follows once the runtime's socket exists.
    fn settle(&mut self, disk: bool) {
        self.runtime.schedule_now(sys::monotonic_ms());
        self.start_due();
        if let Some(slot) = self.outputs.get_mut(Daemon::Kubelet as usize) {
            *slot = open_output(&self.epoll, Daemon::Kubelet);
        }
        crate::trace!("kubelet-output");
        use linux_raw_sys::general::{IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO};
        let runtime = argv::runtime();
        let _ = rustix::fs::mkdir(runtime.socket_dir, rustix::fs::Mode::from_raw_mode(0o711));
        self.watch(runtime.socket_dir, IN_CREATE | IN_MOVED_TO);
        self.look_for_runtime_socket(); // the runtime may have been quicker
        crate::trace!("inotify");
        if disk {
            self.outputs.iter_mut().flatten().for_each(Output::keep_on_disk);
        }
        crate::trace!("outputs-on-disk");
        (self.prepare_for_kubelet)();
        let _ = rustix::fs::mkdir(argv::KUBELET_DIR, rustix::fs::Mode::from_raw_mode(0o755));
        self.watch(argv::KUBELET_DIR, IN_CLOSE_WRITE | IN_MOVED_TO);
        crate::trace!("kubernetes-watch");
    }

    /// Watches `dir` for the events of `mask`. A watch that cannot be
    /// added, or inotify that cannot be made, is said, and from then on
    /// every watched file is checked every [`POLL_FILES_MS`] instead:
    /// without the runtime socket's directory watched, for one, the
    /// kubelet would never start.
    fn watch(&mut self, dir: &CStr, mask: u32) {
        if self.poll_files_at_ms.is_some() {
            return; // every file is checked anyway
        }
        if let Err(e) = self.inotify().and_then(|fd| sys::add_watch(fd, dir, mask)) {
            crate::error_at!("inotify watch {}: {}; files checked every second instead", dir, e);
            self.poll_files_at_ms = Some(0);
        }
    }

    /// The inotify descriptor, made (and watched by the loop) on first use.
    fn inotify(&mut self) -> rustix::io::Result<&OwnedFd> {
        match &mut self.inotify {
            Some(fd) => Ok(fd),
            slot @ None => {
                let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
                sys::epoll_add(&self.epoll, &fd, Token::Inotify.encode())?;
                Ok(slot.insert(fd))
            }
        }
    }

    /// How long a graceful shutdown waits for the kubelet (ms):
    /// `kios.shutdown_timeout`, else `shutdownGracePeriod` from the
    /// kubelet's config plus 30 s, else 300 s. Read once `/etc` is final, on
    /// first use (the boot's last steps ask for it ahead of any shutdown);
    /// 0 while the data partition is awaited (no kubelet to wait for).
    pub fn graceful_timeout_ms(&mut self) -> u64 {
        if self.datapart.is_some() {
            return 0;
        }
        *self.graceful_timeout_ms.get_or_insert_with(|| {
            let timeout_s = kios::shutdown::graceful_timeout_s(self.shutdown_timeout_s, argv::kubelet_grace_period());
            u64::from(timeout_s).saturating_mul(1000)
        })
    }

    /// Another attempt at the awaited data partition; `device` when a
    /// device node has just appeared.
    fn await_datapart(&mut self, device: bool) {
        if self.state.under_way() {
            return; // nothing starts during a shutdown
        }
        let now = sys::monotonic_ms();
        let mounted = |wait: &mut datapart::Wait| if device { wait.device_appeared(now) } else { wait.attempt(now) };
        if self.datapart.as_mut().is_some_and(mounted) {
            self.datapart = None;
            self.settle(true);
        }
    }

    /// Opens the system socket and listens on it from the loop, its
    /// directory watched; again when its file was removed or replaced
    /// (`on_files`: clients would reach nobody, or an impostor): the new
    /// listener takes the old one's place and keeps its clients. Whoever
    /// removed the file can do it again and again: those lines are
    /// rate-limited.
    pub fn open_socket(&mut self) {
        let again = self.socket.is_some();
        let say = !again || self.repeats.allow(Repeat::Replaced);
        if again && say {
            crate::warn!("system socket: {} removed or replaced: listening on a new one", crate::socket::PATH);
        }
        match SystemSocket::open() {
            Ok(mut socket) => {
                let _ = sys::epoll_add(&self.epoll, &socket.listener, Token::Listener.encode());
                if let Some(old) = self.socket.take() {
                    socket.keep_clients(old);
                }
                self.socket = Some(socket);
                if !again {
                    use linux_raw_sys::general::{IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO};
                    self.watch(c"/run", IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
                }
            }
            Err(e) if say => crate::error_at!("system socket {}: {}", crate::socket::PATH, e),
            Err(_) => {}
        }
    }

    /// Supervises forever; leaves only through the hard shutdown. `finish`,
    /// the boot's steps that neither daemon needs, runs once the kubelet is
    /// started, or after `FINISH_AFTER_MS` (a runtime that is slow to
    /// start, or a data partition still awaited), whichever comes first.
    pub fn run(&mut self, finish: fn(&mut Node<'a, P>)) -> ! {
        self.finish = Some(finish);
        self.finish_at_ms = sys::monotonic_ms().saturating_add(FINISH_AFTER_MS);
        let mut events = [epoll::Event { flags: epoll::EventFlags::empty(), data: epoll::EventData::new_u64(0) }; 16];
        loop {
            self.start_due();
            if self.finish.is_some() && (self.kubelet.pid().is_some() || sys::monotonic_ms() >= self.finish_at_ms) {
                if let Some(finish) = self.finish.take() {
                    finish(self);
                }
            }
            if self.datapart.as_ref().is_some_and(|wait| sys::monotonic_ms() >= wait.next_try_ms()) {
                self.await_datapart(false);
            }
            let now = sys::monotonic_ms();
            if self.socket.as_ref().is_some_and(|socket| socket.paused_until_ms() <= now) {
                self.listen_again();
            }
            if self.poll_files_at_ms.is_some_and(|at| now >= at) {
                self.poll_files_at_ms = Some(now.saturating_add(POLL_FILES_MS));
                self.check_files(Changed::ALL);
            }
            if let Action::Hard(goal) = self.state.tick(now) {
                crate::warn!("shutdown deadline passed: continuing without the kubelet");
                self.hard(goal);
            }
            self.repeats.report(now);
            if let Some(watchdog) = self.watchdog.as_mut() {
                watchdog.pet(now);
            }
            let wake = self.next_wake();
            let timeout = if wake == u64::MAX { u64::MAX } else { wake.saturating_sub(now) };
            // An error (EBADF, EFAULT, EINVAL) means no valid epoll, and
            // none will come back (retrying would spin): halt, as a failure
            // before supervision does.
            let Ok(n) = sys::epoll_wait(&self.epoll, &mut events, timeout) else { crate::log::halt("epoll_wait") };
            for event in events.iter().take(n) {
                match Token::decode(event.data.u64()) {
                    Token::Signals => self.on_signals(),
                    Token::Listener => self.on_connect(),
                    Token::Inotify => self.on_files(),
                    Token::Output(index) => self.on_output(usize::from(index)),
                    Token::Client(fd) => self.on_client(fd),
                }
            }
        }
    }

    /// When the loop must wake up at the latest (`u64::MAX`: only for an event).
    fn next_wake(&self) -> u64 {
        let kubelet = if self.runtime_ready { self.kubelet.start_at_or_never_ms() } else { u64::MAX };
        let datapart = self.datapart.as_ref().map_or(u64::MAX, datapart::Wait::next_try_ms);
        let deadline = self.state.deadline_ms().unwrap_or(u64::MAX);
        let listen = self.socket.as_ref().map_or(u64::MAX, SystemSocket::paused_until_ms);
        let finish = if self.finish.is_some() { self.finish_at_ms } else { u64::MAX };
        let files = self.poll_files_at_ms.unwrap_or(u64::MAX);
        self.runtime.start_at_or_never_ms().min(kubelet).min(deadline).min(datapart).min(listen).min(self.repeats.due_ms()).min(self.watchdog.as_ref().map_or(u64::MAX, crate::watchdog::Watchdog::due_ms)).min(finish).min(files)
    }

    fn start_due(&mut self) {
        let now = sys::monotonic_ms();
        if self.runtime.due(now) {
            self.spawn(Daemon::Runtime, &argv::runtime_argv(), now);
        }
        if self.runtime_ready && self.kubelet.due(now) {
            let (argv, standalone) = argv::kubelet_argv();
            self.kubelet_standalone = standalone;
            self.spawn(Daemon::Kubelet, &argv, now);
        }
    }

    fn supervisor(&mut self, which: Daemon) -> &mut Supervisor {
        if which == Daemon::Runtime { &mut self.runtime } else { &mut self.kubelet }
    }

    fn spawn(&mut self, which: Daemon, argv: &daemon::Argv, now: u64) {
        let output = self.outputs.get(which as usize).and_then(Option::as_ref).map(|o| &o.daemon_end);
        let sup = if which == Daemon::Runtime { &mut self.runtime } else { &mut self.kubelet };
        crate::trace!(if which == Daemon::Runtime { "runtime-argv" } else { "kubelet-argv" });
        let spawned = daemon::spawn(argv, output);
        crate::trace!(if which == Daemon::Runtime { "runtime-spawn" } else { "kubelet-spawn" });
        match spawned {
            Ok(pid) => {
                let pid = pid.as_raw_nonzero().get();
                sup.started(pid, now);
                crate::info!("milestone {}-exec pid {}", which.name(), pid);
            }
            Err(e) => {
                sup.start_failed(now);
                // E2BIG: its command line did not fit; EINVAL: an argument held a NUL.
                crate::error!("{} not started: {}", which.name(), e);
            }
        }
    }

    /// Daemon `index` (`Daemon as usize`) wrote: its output to the FIFO (and the log file).
    fn on_output(&mut self, index: usize) {
        let output = self.outputs.get_mut(index).and_then(Option::as_mut);
        if let (Some(output), Some(null)) = (output, &self.null) {
            output.drain(null);
        }
    }

    /// The runtime's socket exists while the runtime runs (a file left by
    /// one that exited does not count until it is started again): it is
    /// ready.
    fn look_for_runtime_socket(&mut self) {
        if self.runtime.pid().is_some() && crate::etc::exists(argv::runtime().socket) {
            self.runtime_is_ready();
        }
    }

    /// The runtime's socket exists: log it once per runtime start and let
    /// the kubelet start.
    fn runtime_is_ready(&mut self) {
        if self.runtime_ready {
            return;
        }
        crate::trace!("runtime-ready");
        milestone("runtime-ready");
        self.runtime_ready = true;
        self.kubelet.schedule_now(sys::monotonic_ms());
    }

    fn on_signals(&mut self) {
        while let Some(signo) = sys::read_signal(&self.signals) {
            match signo {
                SIGCHLD => self.on_children(),
                SIGTERM | SIGPWR | SIGINT => self.request(if signo == SIGINT { Goal::Reboot } else { Goal::PowerOff }),
                signo => {
                    if self.repeats.allow(Repeat::Signal) {
                        crate::info!("signal {} ignored", signo);
                    }
                }
            }
        }
    }

    fn on_children(&mut self) {
        let now = sys::monotonic_ms();
        while let Ok(Some((pid, status))) = sys::reap() {
            // Restarted even during the graceful wait (the kubelet must
            // finish it); the hard shutdown leaves this loop for good.
            let which = if self.runtime.exited(pid, now) {
                self.runtime_ready = false;
                Daemon::Runtime
            } else if self.kubelet.exited(pid, now) {
                Daemon::Kubelet
            } else {
                continue; // an orphan
            };
            // Always scheduled after an exit (never `u64::MAX`).
            let wait = self.supervisor(which).start_at_or_never_ms().saturating_sub(now);
            let (how, code) = kios::supervisor::describe_exit(status);
            crate::info!("{} exited {}{}; restart in {} ms", which.name(), how, code, wait);
        }
    }

    fn on_connect(&mut self) {
        let shutting_down = self.state.under_way();
        let Some(socket) = self.socket.as_mut() else { return };
        let epoll = &self.epoll;
        let accepted = socket.accept(shutting_down, sys::monotonic_ms(), self.kubelet.pid(), &mut self.repeats, |client| {
            sys::epoll_add(epoll, client, Token::Client(client.as_raw_fd()).encode())
        });
        // Accepting failed (EMFILE, ENFILE, ENOMEM, ENOBUFS): the pending
        // connection keeps the listener readable, so epoll would report it
        // again at once, forever. It leaves epoll until `listen_again`.
        if !accepted {
            let _ = epoll::delete(epoll, &socket.listener);
        }
    }

    /// The accept backoff is over: the listener back in epoll, and the
    /// connections that waited meanwhile accepted now.
    fn listen_again(&mut self) {
        if let Some(socket) = self.socket.as_mut() {
            socket.resume();
            let _ = sys::epoll_add(&self.epoll, &socket.listener, Token::Listener.encode());
        }
        self.on_connect();
    }

    /// Client `fd` sent bytes: each is a command, in order.
    fn on_client(&mut self, fd: i32) {
        // Commands are single bytes; more than 16 at once are read on the
        // loop's next rounds.
        let mut buf = [0u8; 16];
        let Some(socket) = self.socket.as_mut() else { return };
        let n = socket.read(fd, &mut buf);
        for &byte in buf.get(..n).unwrap_or_default() {
            match kios::protocol::decode(byte) {
                Some(Command::SoftShutdown) => self.request(Goal::PowerOff),
                Some(Command::SoftReboot) => self.request(Goal::Reboot),
                Some(Command::ContinueShutdown) => {
                    if let Action::Hard(goal) = self.state.proceed() {
                        self.hard(goal);
                    }
                }
                Some(Command::RestartKubelet) => self.restart(Daemon::Kubelet),
                Some(Command::RestartRuntime) => self.restart(Daemon::Runtime),
                None => SystemSocket::unknown(byte, &mut self.repeats),
            }
        }
    }

    fn restart(&mut self, which: Daemon) {
        let pid = self.supervisor(which).request_restart().and_then(Pid::from_raw);
        let outcome = if pid.is_some() { "" } else { ": not running; request ignored" };
        if self.repeats.allow(Repeat::Restart) {
            crate::info!("restarting the {}{}", which.name(), outcome);
        }
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, Signal::TERM);
        }
    }

    fn request(&mut self, goal: Goal) {
        let clients = self.socket.as_ref().map_or(0, SystemSocket::clients);
        let timeout_ms = self.graceful_timeout_ms();
        let action = self.state.request(goal, sys::monotonic_ms(), clients, timeout_ms);
        if action != Action::None {
            milestone(if goal == Goal::PowerOff { "shutdown-requested poweroff" } else { "shutdown-requested reboot" });
        }
        match action {
            Action::Broadcast => {
                if let Some(socket) = self.socket.as_mut() {
                    socket.broadcast_shutdown();
                }
            }
            Action::Hard(goal) => self.hard(goal),
            Action::None => {
                if self.repeats.allow(Repeat::Request) {
                    crate::info!("shutdown already under way; request ignored");
                }
            }
        }
    }

    fn hard(&mut self, goal: Goal) -> ! {
        // The watchdog stays armed, for the bounded waits (three of
        // `kios.stop_timeout` and 5 s) and a minute more.
        if let Some(watchdog) = &self.watchdog {
            watchdog.for_shutdown(self.stop_timeout_s.saturating_mul(3).saturating_add(65));
        }
        // The hard shutdown never returns to the loop, so nothing is
        // started or restarted again.
        let (outputs, null) = (&mut self.outputs, &mut self.null);
        // Once every process has stopped: their last output to the log
        // files, which are then closed so the data partition unmounts;
        // then the reserve descriptor goes, so the mount table opens in
        // its place even if PID 1 has no other left (EMFILE).
        let mut last_output = || {
            for output in outputs.iter_mut().flatten() {
                if let Some(null) = null {
                    output.drain(null);
                }
                output.close_file();
            }
            *null = None;
        };
        let (kubelet, runtime) = (self.kubelet.pid().and_then(Pid::from_raw), self.runtime.pid().and_then(Pid::from_raw));
        crate::stop::hard_shutdown(goal, &self.signals, kubelet, runtime, self.stop_timeout_s, &mut last_output)
    }

    #[inline(never)] // a rare event: its code out of the loop's body
    fn on_files(&mut self) {
        let Some(fd) = self.inotify.as_ref() else { return };
        let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 1024];
        let mut reader = inotify::Reader::new(fd, &mut buf);
        let mut changed = Changed::default();
        while let Ok(event) = reader.next() {
            if event.events().contains(inotify::ReadFlags::QUEUE_OVERFLOW) {
                // Events were lost: everything the watches stand for is
                // checked again.
                crate::warn!("inotify queue overflow: checking again");
                changed = Changed::ALL;
            }
            if let Some(name) = event.file_name() {
                let name = name.to_bytes();
                changed.runtime_socket |= name == argv::runtime().socket_name;
                changed.kubeconfig |= name == argv::KUBECONFIG_NAME;
                changed.system_socket |= name == crate::socket::NAME;
            }
        }
        self.check_files(changed);
    }

    /// Acts on the files that may have `changed`, each check looking at
    /// the file itself; the awaited data partition is looked for again
    /// after any event (a device node may have appeared).
    fn check_files(&mut self, changed: Changed) {
        if changed.system_socket && self.socket.as_ref().is_some_and(|socket| !socket.in_place()) {
            self.open_socket();
        }
        if self.datapart.is_some() {
            self.await_datapart(true);
        }
        if changed.runtime_socket {
            self.look_for_runtime_socket();
        }
        if changed.kubeconfig && self.kubelet_standalone && self.kubelet.pid().is_some() && crate::etc::exists(KUBECONFIG) {
            crate::info!("{} appeared: restarting the kubelet to join the cluster", KUBECONFIG);
            self.kubelet_standalone = false;
            self.restart(Daemon::Kubelet);
        }
    }
}

/// The watched files that may have changed.
#[derive(Clone, Copy, Default)]
struct Changed {
    /// The runtime's socket (created: the runtime is ready).
    runtime_socket: bool,
    /// `/etc/kubernetes/kubelet.conf` (written: the kubelet joins).
    kubeconfig: bool,
    /// `/run/system.sock` (removed or replaced: listen anew).
    system_socket: bool,
}

impl Changed {
    /// All of them: events were lost, or the files are checked without
    /// inotify.
    const ALL: Changed = Changed { runtime_socket: true, kubeconfig: true, system_socket: true };
}

/// The daemon's output pipe and log FIFO, its pipe watched as
/// `Token::Output`; without them the daemon writes to the console.
fn open_output(epoll: &OwnedFd, daemon: Daemon) -> Option<Output> {
    Output::open(daemon, |drain_end| sys::epoll_add(epoll, drain_end, Token::Output(daemon as u8).encode()))
}
