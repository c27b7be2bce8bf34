//! The system socket `/run/system.sock` (SPEC §5): one-byte commands from
//! root clients, the one-byte shutdown event to all of them.

use crate::repeats::{Repeat, Repeats};
use kios::protocol;
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno as E;
use rustix::net::{self, AddressFamily, SendFlags, SocketFlags, SocketType};

/// Path of the system socket.
pub const PATH: &core::ffi::CStr = c"/run/system.sock";
/// Its file name, as inotify reports it in `/run`.
pub const NAME: &[u8] = kios::cstr::file_name(PATH);
const _: () = assert!(matches!(NAME, b"system.sock"));
/// Where a new listener is bound and its inode read, before it is renamed
/// to `PATH`: a file put at `PATH` meanwhile (an impostor) cannot be
/// taken for it, and `PATH` never names a socket that does not listen.
const BOUND_PATH: &core::ffi::CStr = c"/run/system.sock.new";
/// Most clients connected at once; more are refused with a console line.
pub const CAPACITY: usize = 8;

/// The listening socket and its clients.
pub struct SystemSocket {
    /// The listening socket.
    pub listener: OwnedFd,
    /// The inode of the listener's socket file: another one
    /// there (or none) means the socket file was replaced (or removed).
    inode: u64,
    /// Each client and when it last sent a byte (or connected).
    clients: heapless::Vec<(OwnedFd, u64), CAPACITY>,
    /// While accepting fails: when to listen again (`u64::MAX`: listening).
    paused_until_ms: u64,
    /// The pause after the next failure: 100 ms, doubling up to 10 s,
    /// back to 100 ms once a client is accepted.
    backoff_ms: u64,
}

/// The first pause after a failed accept, and the longest.
const BACKOFF_MIN_MS: u64 = 100;
const BACKOFF_MAX_MS: u64 = 10_000;

impl SystemSocket {
    /// Listens on `PATH`, mode 0600 (a stale file is replaced): bound at
    /// `BOUND_PATH`, then renamed.
    pub fn open() -> Result<Self, E> {
        let listener = net::socket_with(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK, None)?;
        let _ = rustix::fs::unlink(BOUND_PATH);
        let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
        let bound = crate::sys::bind_unix(&listener, BOUND_PATH);
        rustix::process::umask(old);
        bound?;
        net::listen(&listener, 16)?;
        let inode = inode(BOUND_PATH)?;
        rustix::fs::rename(BOUND_PATH, PATH)?;
        Ok(SystemSocket { listener, inode, clients: heapless::Vec::new(), paused_until_ms: u64::MAX, backoff_ms: BACKOFF_MIN_MS })
    }

    /// Whether `PATH` is still the listener's socket file.
    pub fn in_place(&self) -> bool {
        inode(PATH).is_ok_and(|inode| inode == self.inode)
    }

    /// Takes over the clients of `old` (a socket whose file was removed
    /// or replaced, and which this one replaces).
    pub fn keep_clients(&mut self, old: SystemSocket) {
        self.clients = old.clients;
    }

    /// Number of connected clients.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// When to listen again after failed accepts (`u64::MAX`: listening).
    pub fn paused_until_ms(&self) -> u64 {
        self.paused_until_ms
    }

    /// The pause is over (the caller watches the listener again).
    pub fn resume(&mut self) {
        self.paused_until_ms = u64::MAX;
    }

    /// Accepts every pending connection; `watch` registers each new
    /// client with the event loop. `shutting_down`: tell each new client at
    /// once. Refusals are logged at most once a second (a flood of
    /// connections must not flood the console). False if accepting failed
    /// (EMFILE, ENFILE, ENOMEM, ENOBUFS: the connection stays pending): the
    /// caller stops watching the listener until [`Self::paused_until_ms`],
    /// said once per pause.
    /// The supervised kubelet (its pid `kubelet`, as SO_PEERCRED gives it)
    /// is always admitted: when every place is taken, the client idle
    /// the longest is closed for it (said on the console).
    pub fn accept(&mut self, shutting_down: bool, now_ms: u64, kubelet: Option<i32>, repeats: &mut Repeats, mut watch: impl FnMut(&OwnedFd) -> Result<(), E>) -> bool {
        loop {
            let client = match net::accept_with(&self.listener, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK) {
                Ok(c) => c,
                Err(E::AGAIN) => return true,
                Err(E::INTR) | Err(E::CONNABORTED) => continue,
                Err(e) => {
                    crate::warn!("system socket: accept: {}; not listening for {} ms", e, self.backoff_ms);
                    self.paused_until_ms = now_ms.saturating_add(self.backoff_ms);
                    self.backoff_ms = self.backoff_ms.saturating_mul(2).min(BACKOFF_MAX_MS);
                    return false;
                }
            };
            self.backoff_ms = BACKOFF_MIN_MS;
            let (why, n) = match crate::sys::peer_cred(&client) {
                Ok((pid, 0)) if !self.clients.is_full() || kubelet == Some(pid as i32) => match watch(&client) {
                    // Its bytes would never be read: closed instead.
                    Err(e) => ("not watched: errno", i64::from(e.raw_os_error())),
                    Ok(()) => {
                        if self.clients.is_full() {
                            let oldest = protocol::longest_idle(self.clients.iter().map(|c| c.1)).unwrap_or(0);
                            self.clients.swap_remove(oldest); // closed: out of epoll too
                            crate::warn!("system socket: full: the client idle longest closed for the kubelet (pid {})", pid);
                        }
                        if shutting_down {
                            notify(&client);
                        }
                        let _ = self.clients.push((client, now_ms));
                        continue;
                    }
                },
                Ok((_, 0)) => ("clients already connected:", CAPACITY as i64),
                Ok((_, uid)) => ("not root: uid", i64::from(uid)),
                Err(e) => ("no credentials: errno", i64::from(e.raw_os_error())),
            };
            if repeats.allow(Repeat::Refused) {
                crate::warn!("system socket: refused a client: {} {}", why, n);
            }
        }
    }

    /// Reads what client `fd` sent into `buf`; returns how many bytes (0
    /// when it closed or sent nothing). A closed client is dropped.
    pub fn read(&mut self, fd: i32, buf: &mut [u8]) -> usize {
        let Some(index) = self.clients.iter().position(|c| c.0.as_raw_fd() == fd) else { return 0 };
        let Some((client, last_active_ms)) = self.clients.get_mut(index) else { return 0 };
        match rustix::io::read(&*client, buf) {
            Ok(n @ 1..) => {
                *last_active_ms = crate::sys::monotonic_ms();
                n
            }
            Err(E::AGAIN | E::INTR) => 0,
            // Gone (0 bytes, ECONNRESET) or failing: dropped, so a read
            // that keeps failing cannot keep the loop busy.
            _ => {
                self.clients.swap_remove(index);
                0
            }
        }
    }

    /// A client sent `byte`, which is no command: warned about under a
    /// rate limit.
    pub fn unknown(byte: u8, repeats: &mut Repeats) {
        if repeats.allow(Repeat::Unknown) {
            crate::warn!("system socket: unknown byte 0x{} ignored", crate::log::bytes(&hex(byte)));
        }
    }

    /// Sends the shutdown event to every client; one that cannot take it
    /// (gone, or its buffer full) is dropped rather than waited for.
    pub fn broadcast_shutdown(&mut self) {
        let mut i = 0;
        while let Some((client, _)) = self.clients.get(i) {
            if notify(client) {
                i = i.saturating_add(1);
            } else {
                self.clients.swap_remove(i);
            }
        }
    }
}

/// The inode of the file at `path` now.
fn inode(path: &core::ffi::CStr) -> Result<u64, E> {
    rustix::fs::stat(path).map(|stat| stat.st_ino)
}

/// Sends the shutdown event to `client` without waiting; whether it went.
#[inline(never)]
fn notify(client: &OwnedFd) -> bool {
    net::send(client, &[protocol::EVENT_SHUTDOWN], SendFlags::NOSIGNAL | SendFlags::DONTWAIT).is_ok()
}

/// `byte` as two lowercase hex digits.
fn hex(byte: u8) -> [u8; 2] {
    let digit = |n: u8| b"0123456789abcdef".get(usize::from(n & 15)).copied().unwrap_or(b'?');
    [digit(byte >> 4), digit(byte)]
}
