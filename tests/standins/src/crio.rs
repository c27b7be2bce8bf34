//! crio-standin: behaves like cri-o as far as the init can tell. It needs
//! `--listen PATH` (or containerd's `--address PATH`: installed as
//! `/bin/containerd` it stands in for containerd), waits `crio.delay_ms`, then listens on a unix stream
//! socket at PATH (reporting `ready PATH`) and accepts and drops connections
//! forever. On SIGTERM it removes the socket, like cri-o does. See README.md.

mod common;

use common::Kind;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::Duration;
use std::{fs, process, thread};

fn listen_path() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--listen" || arg == "--address" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--listen=")) {
            return Some(PathBuf::from(path));
        }
    }
    None
}

fn main() {
    let (out, cfg, starts) = common::startup("crio", &[("delay_ms", Kind::Num)]);
    let Some(path) = listen_path().filter(|p| !p.as_os_str().is_empty()) else {
        out.report("error missing --listen PATH");
        process::exit(2);
    };
    common::common_behaviour(out, &cfg, starts, Some(path.clone()));
    thread::sleep(Duration::from_millis(cfg.num("delay_ms").unwrap_or(0)));
    let _ = fs::remove_file(&path); // a stale socket from an earlier run
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            out.report(&format!("listen error {e}"));
            process::exit(1);
        }
    };
    out.report(&format!("ready {}", path.display()));
    loop {
        if listener.accept().is_err() {
            thread::sleep(Duration::from_millis(100)); // e.g. EMFILE: don't spin
        }
    }
}
