//! Clients of the init's system socket, `/run/system.sock`, reached from
//! the host through `/proc/<init pid>/root`.

use super::{poll_until, Node, WAIT};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

/// What a client hears from the init within a wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    Byte(u8),
    /// The init closed the connection.
    Eof,
    /// Nothing within the wait.
    Silence,
}

/// A root client (the test process itself).
pub struct Client {
    stream: UnixStream,
}

impl Client {
    /// Connects, retrying while the socket is not there yet.
    pub fn connect(node: &Node) -> Client {
        let path = node.proc_root("run/system.sock");
        let mut error = None;
        let stream = poll_until(Duration::from_millis(20), || UnixStream::connect(&path).map_err(|e| error = Some(e)).ok());
        let stream = stream.unwrap_or_else(|| node.fail(&format!("connect {}: {error:?}", path.display())));
        Client { stream }
    }

    /// Writes `bytes` in one write.
    pub fn send(&mut self, bytes: &[u8]) {
        let written = self.stream.write(bytes).expect("write to the system socket");
        assert_eq!(written, bytes.len(), "short write to the system socket");
    }

    /// What the init sends within `wait`.
    pub fn hear(&mut self, wait: Duration) -> Heard {
        self.stream.set_read_timeout(Some(wait)).expect("set a read timeout");
        let mut byte = [0u8];
        match self.stream.read(&mut byte) {
            Ok(0) => Heard::Eof,
            Ok(_) => Heard::Byte(byte[0]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Heard::Silence,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Heard::Eof,
            Err(e) => panic!("read from the system socket: {e}"),
        }
    }

    /// Fails unless the init sends `expected` within the usual wait.
    pub fn expect_byte(&mut self, node: &Node, expected: u8) {
        match self.hear(WAIT) {
            Heard::Byte(b) if b == expected => {}
            other => node.fail(&format!("expected byte {expected:#04x} from the init, heard {other:?}")),
        }
    }

    /// Closes the writing half: the init reads 0 bytes (client gone).
    pub fn close_write(&self) {
        self.stream.shutdown(std::net::Shutdown::Write).expect("shutdown(SHUT_WR)");
    }
}

/// A client run as uid/gid 65534 (nobody) by `setpriv`, written in Perl
/// (perl-base is on every Debian system). It connects to `system.sock`
/// relative to its working directory, the init's `/run`: a non-root
/// process may not walk `/proc/<pid>/root` of a root process itself.
pub struct NonRoot;

/// The client: connect, write one byte, report what comes back.
const NON_ROOT_CLIENT: &str = r#"
use IO::Socket::UNIX; use IO::Select; use Socket;
$| = 1; $SIG{PIPE} = "IGNORE";
my ($byte, $wait) = @ARGV;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => "system.sock");
unless ($s) { print "connect-error $!\n"; exit 0 }
print "connected uid $<\n";
print "write-error $!\n" unless syswrite($s, chr($byte)) == 1;
if (IO::Select->new($s)->can_read($wait)) {
    my $n = sysread($s, my $b, 1);
    print !defined $n ? "read-error $!\n" : $n ? "byte " . ord($b) . "\n" : "eof\n";
} else { print "silence\n" }
"#;

impl NonRoot {
    /// Runs the client as nobody, sending `byte` and listening for
    /// `wait_secs`; with `dac_override` it keeps that one capability, so
    /// file modes do not stop it and only the init's own check can.
    /// Returns its report (`connect-error …` or `connected uid 65534`,
    /// maybe `write-error …`, then `byte N` / `eof` / `silence`).
    pub fn run(node: &Node, dac_override: bool, byte: u8, wait_secs: u32) -> String {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        if dac_override {
            command.args(["--inh-caps=+dac_override", "--ambient-caps=+dac_override"]);
        }
        let output = command
            .args(["perl", "-e", NON_ROOT_CLIENT, &byte.to_string(), &wait_secs.to_string()])
            .current_dir(node.proc_root("run"))
            .output()
            .expect("run setpriv perl");
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            node.fail(&format!(
                "non-root client failed: {:?}\n{report}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        report
    }
}
