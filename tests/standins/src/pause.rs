//! `pause`: the sandbox (pause) image's only program, kiOS's own. It holds
//! a pod's namespaces: it sleeps until SIGTERM or SIGINT, then exits 0, and
//! reaps every child it inherits meanwhile (as PID 1 of a pod that shares
//! its PID namespace). Static; nothing to configure, nothing printed.

mod signals;

fn main() {
    let set = signals::block(&[signals::SIGTERM, signals::SIGINT, signals::SIGCHLD]);
    loop {
        match signals::wait(&set) {
            signals::SIGCHLD => signals::reap(),
            _ => std::process::exit(0),
        }
    }
}
