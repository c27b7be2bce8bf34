//! The system socket protocol: one byte per message, either way.
//!
//! | byte | client → init | init → clients |
//! | --- | --- | --- |
//! | `0x01` | soft shutdown | shutdown event |
//! | `0x02` | continue shutdown (hard shutdown) | — |
//! | `0x03` | restart the kubelet | — |
//! | `0x04` | restart the container runtime | — |
//! | `0x05` | soft reboot (beyond kiOS) | — |

/// The one event the init sends: the kubelet starts its graceful node shutdown.
pub const EVENT_SHUTDOWN: u8 = 0x01;

/// A command a client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `0x01`: broadcast the shutdown event, then power off.
    SoftShutdown,
    /// `0x02`: the graceful part is done; stop everything.
    ContinueShutdown,
    /// `0x03`: restart the kubelet.
    RestartKubelet,
    /// `0x04`: restart the container runtime.
    RestartRuntime,
    /// `0x05`: like `0x01`, but end in a reboot.
    SoftReboot,
}

/// The command a byte stands for, or `None` for an unknown byte.
pub fn decode(byte: u8) -> Option<Command> {
    match byte {
        0x01 => Some(Command::SoftShutdown),
        0x02 => Some(Command::ContinueShutdown),
        0x03 => Some(Command::RestartKubelet),
        0x04 => Some(Command::RestartRuntime),
        0x05 => Some(Command::SoftReboot),
        _ => None,
    }
}

/// Which client to close to make room for the kubelet when every place
/// is taken: the one idle the longest, by when each last sent a byte (or
/// connected), the first of equals; `None` for no client.
pub fn longest_idle(last_active_ms: impl Iterator<Item = u64>) -> Option<usize> {
    let mut oldest: Option<(usize, u64)> = None;
    for (index, at) in last_active_ms.enumerate() {
        if oldest.is_none_or(|(_, old)| at < old) {
            oldest = Some((index, at));
        }
    }
    oldest.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_decodes_to_its_command_or_none() {
        assert_eq!(decode(1), Some(Command::SoftShutdown));
        assert_eq!(decode(2), Some(Command::ContinueShutdown));
        assert_eq!(decode(3), Some(Command::RestartKubelet));
        assert_eq!(decode(4), Some(Command::RestartRuntime));
        assert_eq!(decode(5), Some(Command::SoftReboot));
        for b in (0..=255u8).filter(|b| !(1..=5).contains(b)) {
            assert_eq!(decode(b), None, "byte {b}");
        }
    }

    #[test]
    fn the_longest_idle_client_is_evicted() {
        assert_eq!(longest_idle([].into_iter()), None);
        assert_eq!(longest_idle([5].into_iter()), Some(0));
        assert_eq!(longest_idle([30, 10, 20, 10].into_iter()), Some(1));
        assert_eq!(longest_idle([7, 7, 7].into_iter()), Some(0));
        assert_eq!(longest_idle([u64::MAX, 0, u64::MAX].into_iter()), Some(1));
    }
}
