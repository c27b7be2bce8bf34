//! What each descriptor the supervision loop watches is, as the 64-bit
//! token epoll hands back with its events: 0 to 2 the signal descriptor,
//! the listener and inotify; from 3 a daemon's output pipe by its index;
//! from [`CLIENT`] a system socket client by its descriptor.

/// A watched descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// The signal descriptor.
    Signals,
    /// The system socket's listener.
    Listener,
    /// The inotify descriptor.
    Inotify,
    /// The output pipe of daemon `index` (0 the runtime, 1 the kubelet),
    /// below [`OUTPUTS`].
    Output(u8),
    /// A system socket client, by its descriptor (never negative).
    Client(i32),
}

/// The first output's token.
const OUTPUT: u64 = 3;
/// How many outputs have tokens of their own.
pub const OUTPUTS: u8 = 13;
/// The first client's token.
pub const CLIENT: u64 = OUTPUT + OUTPUTS as u64;

impl Token {
    /// The token epoll keeps for this descriptor (a constant for all but
    /// a client).
    #[inline(always)]
    pub const fn encode(self) -> u64 {
        match self {
            Token::Signals => 0,
            Token::Listener => 1,
            Token::Inotify => 2,
            // A u8 or a u32 above a small constant: no overflow in 64 bits.
            Token::Output(index) => {
                debug_assert!(index < OUTPUTS);
                OUTPUT.wrapping_add(index as u64)
            }
            Token::Client(fd) => {
                debug_assert!(fd >= 0);
                CLIENT.wrapping_add(fd as u32 as u64)
            }
        }
    }

    /// What `raw` (from [`encode`](Token::encode)) names.
    pub const fn decode(raw: u64) -> Token {
        match raw {
            0 => Token::Signals,
            1 => Token::Listener,
            2 => Token::Inotify,
            // Each range starts at the constant taken off.
            OUTPUT..CLIENT => Token::Output(raw.wrapping_sub(OUTPUT) as u8),
            _ => Token::Client(raw.wrapping_sub(CLIENT) as i32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_comes_back() {
        let all = [
            Token::Signals,
            Token::Listener,
            Token::Inotify,
            Token::Output(0),
            Token::Output(1),
            Token::Output(OUTPUTS - 1),
            Token::Client(0),
            Token::Client(3),
            Token::Client(i32::MAX),
        ];
        for token in all {
            assert_eq!(Token::decode(token.encode()), token, "{token:?}");
        }
        // Distinct tokens, distinct numbers.
        for (i, a) in all.iter().enumerate() {
            for b in &all[..i] {
                assert_ne!(a.encode(), b.encode(), "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn the_numbers() {
        assert_eq!(Token::Output(1).encode(), 4);
        assert_eq!(Token::Client(5).encode(), CLIENT + 5);
    }
}
