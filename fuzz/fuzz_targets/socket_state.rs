//! The socket byte stream and the state machines behind it: each input
//! byte is one event for `shutdown::State` and the two `Supervisor`s, the
//! way src/node.rs drives them (bytes from clients decoded by
//! `protocol::decode`, signals, the clock, daemon starts and exits, the
//! number of connected clients). Invariants checked after every event:
//!
//! - Hard is final: once Hard(goal), the state never changes again;
//! - a deadline exists only in Graceful, and never moves once set;
//! - the goal of a shutdown never changes once chosen (no power-off into
//!   reboot);
//! - a request with no client goes straight to Hard;
//! - a supervisor is never due while its daemon runs (after the hard
//!   shutdown, as in the init, the loop that drives them is gone: the
//!   model stops driving them too);
//! - a backoff delay is never over MAX_DELAY_MS, and a restart is never
//!   scheduled in the past;
//! - a console rate limit lets at most `BURST` lines through per window
//!   (so at most twice that in any `WINDOW_MS`), and the count it reports
//!   is exactly the lines it held back.
#![no_main]
use kios::protocol::{decode, Command};
use kios::ratelimit::{RateLimit, BURST, WINDOW_MS};
use kios::shutdown::{Action, Goal, State};
use kios::supervisor::{Supervisor, MAX_DELAY_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut state = State::Running;
    let mut daemons = [Supervisor::new(), Supervisor::new()];
    let mut next_pid = [100i32, 200];
    let mut ended = false;
    let mut now: u64 = 0;
    let mut clients: usize = 0;
    let mut limit = RateLimit::default();
    let mut shown: Vec<u64> = Vec::new();
    let mut held_back: u64 = 0;
    let timeout_ms = 5_000;
    daemons[0].schedule_now(now);

    let mut bytes = data.iter().copied();
    while let Some(event) = bytes.next() {
        let before = state;
        let arg = bytes.next().unwrap_or(0);
        let action = match event % 8 {
            // A byte from a client, decoded as the socket does.
            0 | 1 => match decode(arg) {
                Some(Command::SoftShutdown) => state.request(Goal::PowerOff, now, clients, timeout_ms),
                Some(Command::SoftReboot) => state.request(Goal::Reboot, now, clients, timeout_ms),
                Some(Command::ContinueShutdown) => state.proceed(),
                Some(Command::RestartKubelet) if !ended => {
                    daemons[1].request_restart();
                    Action::None
                }
                Some(Command::RestartRuntime) if !ended => {
                    daemons[0].request_restart();
                    Action::None
                }
                Some(_) => Action::None,
                None => {
                    // As src/repeats.rs: the count due first, then the line.
                    if let Some(n) = limit.suppressed_due(now) {
                        assert_eq!(u64::from(n), held_back, "reported count");
                        held_back = 0;
                    }
                    if limit.allow(now) {
                        shown.push(now);
                        let recent = shown.iter().filter(|&&t| now - t < WINDOW_MS).count();
                        assert!(recent <= 2 * BURST as usize, "{recent} lines within a window");
                    } else {
                        held_back += 1;
                        assert!(limit.due_ms() > now && limit.due_ms() <= now + WINDOW_MS, "count due at {}", limit.due_ms());
                    }
                    Action::None
                }
            },
            // SIGTERM / SIGPWR, SIGINT.
            2 => state.request(if arg & 1 == 0 { Goal::PowerOff } else { Goal::Reboot }, now, clients, timeout_ms),
            // Time passes (up to ~65 s, so stable runs and the cap are reached).
            3 => {
                now = now.saturating_add(u64::from(arg) * 257);
                state.tick(now)
            }
            // A daemon exits (or some other pid is reaped).
            4 if !ended => {
                let which = usize::from(arg & 1);
                let pid = daemons[which].pid().unwrap_or(1 + i32::from(arg));
                if daemons[which].exited(pid, now) {
                    let at = daemons[which].start_at_ms().expect("a restart is scheduled");
                    assert!(at >= now && at - now <= u64::from(MAX_DELAY_MS), "restart at {at}, now {now}");
                }
                Action::None
            }
            // The event loop starts whatever is due.
            5 if !ended => {
                for (which, d) in daemons.iter_mut().enumerate() {
                    if d.due(now) {
                        assert!(d.pid().is_none(), "due while running");
                        if arg & 2 == 0 {
                            next_pid[which] += 1;
                            d.started(next_pid[which], now);
                        } else {
                            d.start_failed(now);
                        }
                    }
                }
                if daemons[1].pid().is_none() && daemons[1].start_at_ms().is_none() && daemons[0].pid().is_some() {
                    daemons[1].schedule_now(now);
                }
                Action::None
            }
            // After the hard shutdown: no loop, no starts or exits seen.
            4 | 5 => Action::None,
            // Clients connect and leave.
            6 => {
                clients = usize::from(arg % 9);
                Action::None
            }
            _ => {
                // The runtime is ready: the kubelet may start.
                if !ended {
                    daemons[1].schedule_now(now);
                }
                Action::None
            }
        };

        // Hard is final.
        if let State::Hard(goal) = before {
            assert_eq!(state, State::Hard(goal), "left Hard");
            assert_eq!(action, Action::None);
        }
        // A deadline only in Graceful, fixed once set; the goal never changes.
        match (before, state) {
            (State::Graceful { goal: g0, deadline_ms: d0 }, State::Graceful { goal: g1, deadline_ms: d1 }) => {
                assert_eq!((g0, d0), (g1, d1), "graceful state changed");
            }
            (State::Graceful { goal: g0, .. }, State::Hard(g1)) => assert_eq!(g0, g1, "goal changed"),
            (State::Running, State::Graceful { deadline_ms, .. }) => {
                assert!(clients > 0, "graceful wait with no client");
                assert_eq!(deadline_ms, now.saturating_add(timeout_ms));
                assert_eq!(action, Action::Broadcast);
            }
            (State::Hard(_), State::Hard(_)) | (State::Running, State::Running) => {}
            (State::Running, State::Hard(goal)) => assert_eq!(action, Action::Hard(goal)),
            (b, a) => panic!("transition {b:?} -> {a:?}"),
        }
        assert_eq!(state.deadline_ms().is_some(), matches!(state, State::Graceful { .. }));
        assert_eq!(state.under_way(), state != State::Running);
        // The deadline is honoured: tick at or past it goes Hard.
        if let State::Graceful { deadline_ms, .. } = state {
            assert!(deadline_ms >= now || matches!(before, State::Graceful { .. }));
        }
        if let Action::Hard(goal) = action {
            assert_eq!(state, State::Hard(goal));
            // src/node.rs leaves its loop here for good (stop::hard_shutdown
            // never returns): the supervisors are driven no more.
            ended = true;
        }
        for d in &daemons {
            if d.pid().is_some() {
                assert!(!d.due(now) && !d.due(u64::MAX), "due while running");
            }
        }
    }
});
