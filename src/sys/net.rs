//! Sockets: the system socket's address and its peers' credentials; the
//! loopback interface.

use super::syscall::{check, syscall3, syscall6};
use core::ffi::CStr;
use linux_raw_sys::general as k;
use linux_raw_sys::net::{net_device_flags, AF_UNIX, SOL_SOCKET, SO_PEERCRED};
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno;

/// `bind(socket, {AF_UNIX, path})`: `ENAMETOOLONG` for a path longer
/// than a `sockaddr_un` holds.
pub fn bind_unix(socket: &OwnedFd, path: &CStr) -> Result<(), Errno> {
    // struct sockaddr_un: the 16-bit family, then the path with its NUL.
    // Only the first `len` bytes are written (the kernel reads no more).
    let mut addr = [const { core::mem::MaybeUninit::<u8>::uninit() }; 110];
    let path = path.to_bytes_with_nul();
    let len = 2 + path.len();
    let (family, sun_path) = addr.split_at_mut(2);
    family.write_copy_of_slice(&(AF_UNIX as u16).to_ne_bytes());
    sun_path.get_mut(..path.len()).ok_or(Errno::NAMETOOLONG)?.write_copy_of_slice(path);
    // SAFETY: the first `len` bytes of `addr` (within its 110) hold a
    // valid `sockaddr_un`, written above; `addr` lives for the call and
    // the kernel only reads those bytes.
    check(unsafe { syscall3(k::__NR_bind, [socket.as_raw_fd() as usize, addr.as_ptr() as usize, len]) }).map(drop)
}

/// `getsockopt(SO_PEERCRED)`: the pid (as PID 1 sees it; 0 from another
/// PID namespace) and the uid of the process at the other end of a unix
/// socket. Raw because rustix's `socket_peercred` fails for such a pid 0.
pub fn peer_cred(socket: &OwnedFd) -> Result<(u32, u32), Errno> {
    let mut ucred = [0u32; 3]; // struct ucred: pid, uid, gid
    let mut len: u32 = 12;
    let (level, name) = (SOL_SOCKET as usize, SO_PEERCRED as usize);
    // SAFETY: `ucred` has room for the 12 bytes `len` announces; both live for the call.
    check(unsafe {
        syscall6(k::__NR_getsockopt, [socket.as_raw_fd() as usize, level, name, ucred.as_mut_ptr() as usize, &mut len as *mut u32 as usize, 0])
    })?;
    Ok((ucred[0], ucred[1]))
}

/// `ioctl(SIOCSIFFLAGS, {"lo", IFF_UP | IFF_RUNNING})` on `socket`: brings the
/// loopback interface up.
pub fn loopback_up(socket: &OwnedFd) -> Result<(), Errno> {
    // struct ifreq: 16-byte name, then a union whose first member is the short flags.
    let mut ifreq = [0u8; 40];
    ifreq[..2].copy_from_slice(b"lo");
    let flags = (net_device_flags::IFF_UP as u16) | (net_device_flags::IFF_RUNNING as u16);
    ifreq[16..18].copy_from_slice(&flags.to_ne_bytes());
    let req = linux_raw_sys::ioctl::SIOCSIFFLAGS as usize;
    // SAFETY: `ifreq` is 40 bytes, the size of `struct ifreq`, and lives for the call.
    check(unsafe { syscall3(k::__NR_ioctl, [socket.as_raw_fd() as usize, req, ifreq.as_mut_ptr() as usize]) }).map(drop)
}
