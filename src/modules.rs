//! Early kernel modules (`kios.modules=a,b`, SPEC §4): each named module
//! is loaded from the initramfs `/lib/modules/$(uname -r)`, dependencies
//! first (from `modules.dep`, read by [`kios::moddep`]), before the data
//! partition is looked for. Loaded already or built in is fine; anything
//! else is one console error, and the boot goes on.

use crate::log::bytes;
use core::ffi::CStr;
use kios::cstr::{self, join};
use kios::moddep::{self, Line};
use rustix::fd::OwnedFd;
use rustix::fd::AsFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno;
use rustix::system::finit_module;

/// `finit_module` flag: the kernel decompresses the file (Linux 6.4+).
const MODULE_INIT_COMPRESSED_FILE: i32 = 4;

/// Loads each module of the `kios.modules` list (raw option value), dependencies first.
pub fn load(list: &[u8]) {
    if list.is_empty() {
        return;
    }
    let uname = rustix::system::uname();
    // A release has at most 64 bytes (utsname's 65 less its NUL).
    let mut dir = [0u8; b"/lib/modules/".len() + 64 + 1];
    let Some(dir) = join(&mut dir, &[b"/lib/modules/", uname.release().to_bytes()]) else { return };
    // Files are opened relative to it (an absolute path in modules.dep is
    // taken as it is); if it cannot be opened, each file fails with its errno.
    let fd = open(dir, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty());
    let modules = Modules { dir, fd: fd.as_ref().map_err(|&e| e) };
    for name in moddep::names(list) {
        modules.load(name);
    }
}

/// `/lib/modules/RELEASE`: its path (for messages) and the directory opened.
struct Modules<'a> {
    dir: &'a CStr,
    fd: Result<&'a OwnedFd, Errno>,
}

impl Modules<'_> {
    /// One named module: already there, built in, or loaded after its dependencies.
    #[inline(never)]
    fn load(&self, name: &[u8]) {
        let mut buf = [0u8; 4096];
        if sys_module(name, &mut buf).is_some_and(crate::etc::exists) {
            return say(name, "already loaded");
        }
        match self.find(c"modules.dep", name, &mut buf) {
            Ok(Some(line)) => {
                // The dependencies (the last listed first), then the
                // module; a failure stops it.
                if line.load_order().all(|dependency| self.insert(name, dependency)) {
                    self.insert(name, line.path);
                }
                return;
            }
            Ok(None) => {}
            Err(e) => return crate::error!("module {}: {}/modules.dep: {}", bytes(name), self.dir, e),
        }
        match self.find(c"modules.builtin", name, &mut buf) {
            Ok(Some(_)) => say(name, "built in"),
            _ => crate::error!("module {}: not in modules.dep or modules.builtin of {}", bytes(name), self.dir),
        }
    }

    /// The line of module `name` in the directory's `file`, streamed through `buf`.
    fn find<'b>(&self, file: &CStr, name: &[u8], buf: &'b mut [u8]) -> Result<Option<Line<'b>>, Errno> {
        let fd = crate::etc::open_file(self.fd?.as_fd(), file)?;
        moddep::find_line(buf, |chunk| rustix::io::read(&fd, chunk), name)
    }

    /// `finit_module` of one file of `modules.dep` (relative to the
    /// directory, or absolute); loaded already (`EEXIST`) is fine and quiet.
    /// A failure is one console error naming the file, for module `name`,
    /// and false.
    fn insert(&self, name: &[u8], module: &[u8]) -> bool {
        let compressed = moddep::is_compressed(module);
        let mut path = [0u8; 256];
        let loaded = join(&mut path, &[module])
            .ok_or(Errno::NAMETOOLONG)
            .and_then(|path| crate::etc::open_file(self.fd?.as_fd(), path))
            .and_then(|fd| finit_module(&fd, c"", if compressed { MODULE_INIT_COMPRESSED_FILE } else { 0 }));
        match loaded {
            Ok(()) => say(moddep::module_name(module), "loaded"),
            Err(Errno::EXIST) => {}
            // EINVAL: a kernel before 6.4, flag unknown; EOPNOTSUPP: built without that decompressor.
            Err(e @ (Errno::INVAL | Errno::OPNOTSUPP)) if compressed => {
                crate::error!("module {}: {}: {}; compressed: this kernel cannot decompress it", bytes(name), bytes(module), e);
                return false;
            }
            Err(e) => {
                crate::error!("module {}: {}: {}", bytes(name), bytes(module), e);
                return false;
            }
        }
        true
    }
}

/// `module NAME STATE` on the console.
#[inline(never)]
fn say(name: &[u8], state: &str) {
    crate::info!("module {} {}", bytes(name), state);
}

/// `/sys/module/NAME`, `-` written `_` as the kernel does there: it exists
/// for a loaded module, and for a built-in one with parameters.
fn sys_module<'b>(name: &[u8], out: &'b mut [u8]) -> Option<&'b CStr> {
    let len = join(out, &[b"/sys/module/", name])?.to_bytes_with_nul().len();
    let path = out.get_mut(..len)?;
    for b in path.iter_mut().filter(|b| **b == b'-') {
        *b = b'_';
    }
    cstr::c_str(path)
}
