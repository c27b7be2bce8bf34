//! The init's log as the tests see it: its stderr (and stdout), read line
//! by line by threads into one shared buffer that tests wait on.

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The lines read so far, and whether every writer has gone (EOF).
#[derive(Default)]
pub struct Log {
    state: Mutex<(String, bool)>,
    grown: Condvar,
}

impl Log {
    /// Starts reading `sources` until all of them end.
    pub fn capture<R: Read + Send + 'static>(sources: Vec<R>) -> Arc<Log> {
        let log = Arc::new(Log::default());
        let readers: Vec<_> = sources.into_iter().map(|from| log.clone().read(from)).collect();
        let all = log.clone();
        thread::spawn(move || {
            readers.into_iter().for_each(|reader| drop(reader.join()));
            all.state.lock().unwrap().1 = true;
            all.grown.notify_all();
        });
        log
    }

    fn read(self: Arc<Log>, from: impl Read + Send + 'static) -> thread::JoinHandle<()> {
        thread::spawn(move || {
            for line in BufReader::new(from).lines() {
                let Ok(line) = line else { break };
                self.state.lock().unwrap().0.push_str(&(line + "\n"));
                self.grown.notify_all();
            }
        })
    }

    /// Everything read so far.
    pub fn text(&self) -> String {
        self.state.lock().unwrap().0.clone()
    }

    /// Waits until `count` lines contain `needle` and returns the
    /// `count`-th; or why it could not: `timed out` or `log ended`.
    pub fn wait_lines(&self, needle: &str, count: usize, deadline: Instant) -> Result<String, &'static str> {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(line) = state.0.lines().filter(|l| l.contains(needle)).nth(count - 1) {
                return Ok(line.to_string());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err("timed out");
            }
            if state.1 {
                return Err("log ended");
            }
            state = self.grown.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    /// Waits at most `wait` for every writer to be gone.
    pub fn wait_end(&self, wait: Duration) {
        let deadline = Instant::now() + wait;
        let mut state = self.state.lock().unwrap();
        while !state.1 && Instant::now() < deadline {
            state = self.grown.wait_timeout(state, Duration::from_millis(50)).unwrap().0;
        }
    }
}
