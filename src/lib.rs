//! Pure parts of the kiOS init: parsers and state machines.
//!
//! Nothing in this crate makes a syscall: every item takes bytes or events
//! and returns values, so it is unit-tested and fuzzed on the host. The
//! `init` binary (`src/main.rs`) does the I/O around it.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects))]

pub mod cstr;
pub mod gpt;
pub mod grace;
pub mod hostname;
pub mod labels;
pub mod logfmt;
pub mod logline;
pub mod moddep;
pub mod mountinfo;
pub mod nodeip;
pub mod options;
pub mod protocol;
pub mod retry;
pub mod ratelimit;
pub mod shutdown;
pub mod supervisor;
pub mod token;
