//! The graceful part of a shutdown, as a state machine.
//!
//! A soft shutdown or reboot broadcasts the shutdown event and waits for
//! the kubelet's `continue`, at most until a deadline; with no client
//! connected there is nobody to wait for. Then the hard shutdown runs
//! (`src/stop.rs` in the binary). Requests during a shutdown are ignored.

/// How the node ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Power off.
    PowerOff,
    /// Restart.
    Reboot,
}

/// Where the node is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Booted and supervising.
    Running,
    /// The shutdown event went out; waiting for `continue` or the deadline.
    Graceful {
        /// How the node ends.
        goal: Goal,
        /// Monotonic ms after which the shutdown continues anyway.
        deadline_ms: u64,
    },
    /// The hard shutdown was decided; nothing goes back.
    Hard(Goal),
}

/// What the caller must do after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Send the shutdown event to every client.
    Broadcast,
    /// Run the hard shutdown.
    Hard(Goal),
}

/// The graceful deadline in seconds: `kios.shutdown_timeout`, else the
/// kubelet's own `shutdownGracePeriod` plus a 30 s margin, else 300 s.
pub fn graceful_timeout_s(option: Option<u32>, kubelet_grace: Option<u32>) -> u32 {
    option.unwrap_or_else(|| kubelet_grace.map_or(300, |g| g.saturating_add(30)))
}

impl State {
    /// A soft shutdown or reboot was asked for at `now_ms`, with `clients`
    /// connected to the system socket.
    pub fn request(&mut self, goal: Goal, now_ms: u64, clients: usize, timeout_ms: u64) -> Action {
        if *self != State::Running {
            return Action::None;
        }
        if clients == 0 {
            *self = State::Hard(goal);
            return Action::Hard(goal);
        }
        *self = State::Graceful { goal, deadline_ms: now_ms.saturating_add(timeout_ms) };
        Action::Broadcast
    }

    /// A client sent `continue`. Without a soft request first, this is a
    /// hard power-off (the C init's behaviour for `0x02`).
    pub fn proceed(&mut self) -> Action {
        let goal = match *self {
            State::Running => Goal::PowerOff,
            State::Graceful { goal, .. } => goal,
            State::Hard(_) => return Action::None,
        };
        *self = State::Hard(goal);
        Action::Hard(goal)
    }

    /// Time passed: continue once the deadline is reached.
    pub fn tick(&mut self, now_ms: u64) -> Action {
        match *self {
            State::Graceful { goal, deadline_ms } if now_ms >= deadline_ms => {
                *self = State::Hard(goal);
                Action::Hard(goal)
            }
            _ => Action::None,
        }
    }

    /// The deadline to wake up for, if any.
    pub fn deadline_ms(&self) -> Option<u64> {
        match *self {
            State::Graceful { deadline_ms, .. } => Some(deadline_ms),
            _ => None,
        }
    }

    /// Whether a shutdown is under way (new clients get the event at once,
    /// daemons are no longer restarted).
    pub fn under_way(&self) -> bool {
        *self != State::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_request_with_clients_broadcasts_and_waits() {
        let mut s = State::Running;
        assert_eq!(s.request(Goal::PowerOff, 100, 1, 5000), Action::Broadcast);
        assert_eq!(s.deadline_ms(), Some(5100));
        assert!(s.under_way());
        assert_eq!(s.tick(5099), Action::None);
        assert_eq!(s.proceed(), Action::Hard(Goal::PowerOff));
        assert_eq!(s.deadline_ms(), None);
    }

    #[test]
    fn soft_request_without_clients_goes_straight_to_hard() {
        let mut s = State::Running;
        assert_eq!(s.request(Goal::Reboot, 0, 0, 5000), Action::Hard(Goal::Reboot));
    }

    #[test]
    fn deadline_continues_without_the_kubelet() {
        let mut s = State::Running;
        s.request(Goal::Reboot, 0, 2, 1000);
        assert_eq!(s.tick(1000), Action::Hard(Goal::Reboot));
        assert_eq!(s.tick(2000), Action::None);
    }

    #[test]
    fn second_request_and_late_continue_are_ignored() {
        let mut s = State::Running;
        s.request(Goal::PowerOff, 0, 1, 1000);
        assert_eq!(s.request(Goal::Reboot, 1, 1, 1000), Action::None);
        assert_eq!(s, State::Graceful { goal: Goal::PowerOff, deadline_ms: 1000 });
        s.proceed();
        assert_eq!(s.proceed(), Action::None);
        assert_eq!(s.request(Goal::PowerOff, 2, 0, 1000), Action::None);
    }

    #[test]
    fn continue_without_request_powers_off() {
        let mut s = State::Running;
        assert_eq!(s.proceed(), Action::Hard(Goal::PowerOff));
    }

    #[test]
    fn graceful_timeout_prefers_option_then_kubelet_then_default() {
        assert_eq!(graceful_timeout_s(Some(7), Some(60)), 7);
        assert_eq!(graceful_timeout_s(None, Some(60)), 90);
        assert_eq!(graceful_timeout_s(None, None), 300);
        assert_eq!(graceful_timeout_s(None, Some(u32::MAX)), u32::MAX);
    }
}
