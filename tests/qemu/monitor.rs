//! Watching a running QEMU: its serial console file, line by line as it
//! grows, and its monitor (QMP), through which HMP commands are sent.

use std::fs;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The console file as QEMU writes it: complete lines not seen yet.
pub struct ConsoleTail {
    file: Option<fs::File>,
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl ConsoleTail {
    pub fn new(path: &Path) -> ConsoleTail {
        ConsoleTail { file: None, path: path.to_path_buf(), offset: 0, partial: Vec::new() }
    }

    pub fn new_lines(&mut self) -> Vec<String> {
        if self.file.is_none() {
            self.file = fs::File::open(&self.path).ok();
        }
        let Some(file) = self.file.as_mut() else { return Vec::new() };
        let mut buf = Vec::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err() || file.read_to_end(&mut buf).is_err() {
            return Vec::new();
        }
        self.offset += buf.len() as u64;
        self.partial.extend_from_slice(&buf);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line);
            lines.push(text.trim_end_matches(['\n', '\r']).to_string());
        }
        lines
    }
}

/// A QMP client sending HMP text through `human-monitor-command`, with a
/// transcript of everything sent and answered.
pub struct Monitor {
    path: PathBuf,
    conn: Option<(UnixStream, BufReader<UnixStream>)>,
    pub transcript: Vec<String>,
}

impl Monitor {
    pub fn new(path: &Path) -> Monitor {
        Monitor { path: path.to_path_buf(), conn: None, transcript: Vec::new() }
    }

    pub fn note(&mut self, text: String) {
        self.transcript.push(text);
    }

    /// Connects and negotiates capabilities, once.
    pub fn connect(&mut self) -> Result<(), String> {
        if self.conn.is_some() {
            return Ok(());
        }
        let stream = UnixStream::connect(&self.path)
            .map_err(|e| format!("connect {}: {e}", self.path.display()))?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        self.conn = Some((stream, reader));
        let greeting = self.read_reply()?; // {"QMP": ...}
        if !greeting.starts_with("{\"QMP\"") {
            return Err(format!("no QMP greeting: {greeting}"));
        }
        self.send_json("{\"execute\": \"qmp_capabilities\"}")?;
        Ok(())
    }

    /// The next line that is not an asynchronous event.
    pub fn read_reply(&mut self) -> Result<String, String> {
        let (_, reader) = self.conn.as_mut().unwrap();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) => return Err("QMP connection closed".to_string()),
                Ok(_) => {}
                Err(e) => return Err(format!("QMP read: {e}")),
            }
            let line = line.trim().to_string();
            if !line.starts_with("{\"event\"") {
                return Ok(line);
            }
        }
    }

    /// Sends one QMP command; its `{"return": ...}` line, or the error.
    pub fn send_json(&mut self, json: &str) -> Result<String, String> {
        let (stream, _) = self.conn.as_mut().unwrap();
        stream
            .write_all(format!("{json}\n").as_bytes())
            .map_err(|e| format!("QMP write: {e}"))?;
        let reply = self.read_reply()?;
        if reply.starts_with("{\"return\"") {
            Ok(reply)
        } else {
            Err(reply)
        }
    }

    /// Runs one HMP command; false (and noted) if it failed: no monitor,
    /// a QMP error, or HMP output other than none or `OK` (the scripted
    /// commands are actions, e.g. sendkey, drive_add, device_add, which
    /// print nothing else when they work).
    pub fn command(&mut self, hmp: &str) -> bool {
        let escaped = hmp.replace('\\', "\\\\").replace('"', "\\\"");
        let json = format!(
            "{{\"execute\": \"human-monitor-command\", \"arguments\": {{\"command-line\": \"{escaped}\"}}}}"
        );
        let result = self.connect().and_then(|()| self.send_json(&json));
        let ok = matches!(
            result.as_deref(),
            Ok("{\"return\": \"\"}") | Ok("{\"return\": \"OK\\r\\n\"}")
        );
        let shown = match result {
            Ok(reply) => reply,
            Err(e) => format!("FAILED: {e}"),
        };
        self.transcript.push(format!("  > {hmp}\n    < {shown}"));
        ok
    }
}
