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
}
