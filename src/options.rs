//! Boot options, from the kernel command line and the init's environment.
//!
//! `/proc/cmdline` is whitespace-separated `name=value` parameters, split
//! the way the kernel splits them: a value may be double-quoted
//! (`kios.x="a b"`, or the whole parameter: `"kios.x=a b"`), and a
//! standalone `--` ends the kernel's part (what follows is init's argv).
//! Only `datapart=` and `kios.*` are ours; anything else is ignored.
//! Environment entries (`NAME=value`) are applied after the command line,
//! so the environment wins; within each source a later occurrence wins.
//! A bad value or an unknown `kios.*` name is reported and ignored: the
//! option keeps its default (or an earlier valid value).

/// Where the data partition is (`datapart=`, SPEC §4).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Datapart<'a> {
    /// `auto` or absent: scan the disks for the kiOS partition type GUID.
    Auto,
    /// `none`: run diskless, everything on tmpfs.
    None,
    /// `/dev/...`: this device node (the whole value, `/dev/` included).
    Device(&'a [u8]),
    /// `PARTUUID=<GUID>`: the GPT unique partition GUID (any case); the
    /// whole value, `PARTUUID=` included (the GUID is [`PARTUUID`] bytes in).
    PartUuid(&'a [u8]),
    /// `PARTLABEL=<name>`: the GPT partition name; the whole value,
    /// `PARTLABEL=` included (the name is [`PARTLABEL`] bytes in).
    PartLabel(&'a [u8]),
}

/// Where the init's own log goes (`kios.log=`).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum LogSink {
    /// `/dev/kmsg`, the default: timestamped on the console.
    Kmsg,
    /// Standard error (tests).
    Stderr,
}

/// The container runtime to run (`kios.runtime=`).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Runtime {
    /// cri-o, the default.
    Crio,
    /// containerd.
    Containerd,
}

/// The boot options, defaults filled in.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Options<'a> {
    /// `datapart=`: default [`Datapart::Auto`].
    pub datapart: Datapart<'a>,
    /// `kios.log=kmsg|stderr`: default [`LogSink::Kmsg`].
    pub log: LogSink,
    /// `kios.shutdown_timeout=SECONDS`: graceful shutdown deadline, default none given.
    pub shutdown_timeout: Option<u32>,
    /// `kios.stop_timeout=SECONDS`: wait for a daemon after SIGTERM, default 10.
    pub stop_timeout: u32,
    /// `kios.modules=a,b`: kernel modules to load, the raw list, default empty.
    pub modules: &'a [u8],
    /// `kios.runtime=crio|containerd`: default [`Runtime::Crio`].
    pub runtime: Runtime,
    /// `kios.watchdog=SECONDS`: the hardware watchdog's timeout; 0, the
    /// default, leaves it alone.
    pub watchdog: u32,
}

/// An option that was ignored, and why.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Warning<'a> {
    /// The parameter name, e.g. `kios.stop_timeout`.
    pub name: &'a [u8],
    /// Its value as given (quotes removed).
    pub value: &'a [u8],
    /// What is wrong with it.
    pub reason: &'static str,
}

impl<'a> Options<'a> {
    /// cmdline: contents of /proc/cmdline. env: the init's environment entries `NAME=value`.
    /// Every option may be given in either; the environment wins. Bad values and unknown
    /// `kios.*` names are reported through `warn` and leave the default.
    pub fn parse(
        cmdline: &'a [u8],
        env: &[&'a [u8]],
        warn: &mut dyn FnMut(Warning<'a>),
    ) -> Options<'a> {
        let mut options = Options {
            datapart: Datapart::Auto,
            log: LogSink::Kmsg,
            shutdown_timeout: None,
            stop_timeout: 10,
            modules: b"",
            runtime: Runtime::Crio,
            watchdog: 0,
        };
        for (name, value) in (Params { rest: cmdline }) {
            options.set(name, value, warn);
        }
        for (name, value) in env.iter().filter_map(|entry| split_once(entry, b'=')) {
            options.set(name, value, warn);
        }
        options
    }

    /// Applies one `name=value`, or reports why not.
    fn set(&mut self, name: &'a [u8], value: &'a [u8], warn: &mut dyn FnMut(Warning<'a>)) {
        let result = match Opt::named(name) {
            Some(option) => self.apply(option, value),
            None if name.starts_with(b"kios.") => Err("unknown kios option"),
            None => Ok(()),
        };
        if let Err(reason) = result {
            warn(Warning { name, value, reason });
        }
    }

    /// Sets `option` to `value`, or says what is wrong with the value.
    fn apply(&mut self, option: Opt, value: &'a [u8]) -> Result<(), &'static str> {
        match option {
            Opt::Datapart => self.datapart = datapart(value)?,
            Opt::Log if value == b"kmsg" => self.log = LogSink::Kmsg,
            Opt::Log if value == b"stderr" => self.log = LogSink::Stderr,
            Opt::Log => return Err("expected kmsg or stderr"),
            Opt::ShutdownTimeout => self.shutdown_timeout = Some(seconds(value)?),
            Opt::StopTimeout => self.stop_timeout = seconds(value)?,
            Opt::Modules => self.modules = value,
            Opt::Runtime if value == b"crio" => self.runtime = Runtime::Crio,
            Opt::Runtime if value == b"containerd" => self.runtime = Runtime::Containerd,
            Opt::Runtime => return Err("expected crio or containerd"),
            Opt::Watchdog => self.watchdog = seconds(value)?,
        }
        Ok(())
    }
}

/// The options the init knows.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Opt {
    Datapart,
    Log,
    ShutdownTimeout,
    StopTimeout,
    Modules,
    Runtime,
    Watchdog,
}

impl Opt {
    /// Every option, in declaration order.
    const ALL: [Opt; 7] = [Opt::Datapart, Opt::Log, Opt::ShutdownTimeout, Opt::StopTimeout, Opt::Modules, Opt::Runtime, Opt::Watchdog];

    /// Its parameter name.
    const fn name(self) -> &'static [u8] {
        match self {
            Opt::Datapart => b"datapart",
            Opt::Log => b"kios.log",
            Opt::ShutdownTimeout => b"kios.shutdown_timeout",
            Opt::StopTimeout => b"kios.stop_timeout",
            Opt::Modules => b"kios.modules",
            Opt::Runtime => b"kios.runtime",
            Opt::Watchdog => b"kios.watchdog",
        }
    }

    /// The option called `name`, if any.
    fn named(name: &[u8]) -> Option<Opt> {
        Opt::ALL.into_iter().find(|option| option.name() == name)
    }
}

// The names, checked when compiling: `ALL` holds every option once, in
// declaration order (so a variant missing from it breaks the count);
// every name but `datapart` (the kernel's own spelling, SPEC §4) is
// `kios.*`; no two names are the same.
const _: () = {
    assert!(Opt::ALL.len() == Opt::Watchdog as usize + 1);
    let mut index = 0usize;
    let mut rest: &[Opt] = &Opt::ALL;
    while let [option, later @ ..] = rest {
        assert!(*option as usize == index);
        let name = option.name();
        assert!(matches!(option, Opt::Datapart) || matches!(name, [b'k', b'i', b'o', b's', b'.', _, ..]));
        let mut others = later;
        while let [other, tail @ ..] = others {
            assert!(!eq(other.name(), name));
            others = tail;
        }
        index = index.saturating_add(1);
        rest = later;
    }
};

/// `a == b`, when compiling.
const fn eq(mut a: &[u8], mut b: &[u8]) -> bool {
    loop {
        match (a, b) {
            ([], []) => return true,
            ([x, a_tail @ ..], [y, b_tail @ ..]) if *x == *y => {
                a = a_tail;
                b = b_tail;
            }
            _ => return false,
        }
    }
}

/// Length of `PARTUUID=`, before the GUID in [`Datapart::PartUuid`].
pub const PARTUUID: usize = b"PARTUUID=".len();
/// Length of `PARTLABEL=`, before the name in [`Datapart::PartLabel`].
pub const PARTLABEL: usize = b"PARTLABEL=".len();

/// Parses a `datapart=` value.
fn datapart(value: &[u8]) -> Result<Datapart<'_>, &'static str> {
    if value == b"auto" {
        Ok(Datapart::Auto)
    } else if value == b"none" {
        Ok(Datapart::None)
    } else if value.starts_with(b"PARTUUID=") {
        match crate::gpt::parse_guid(value.get(PARTUUID..).unwrap_or_default()) {
            Some(_) => Ok(Datapart::PartUuid(value)),
            None => Err("PARTUUID is not a GUID"),
        }
    } else if value.starts_with(b"PARTLABEL=") {
        if value.len() == PARTLABEL {
            Err("empty PARTLABEL")
        } else {
            Ok(Datapart::PartLabel(value))
        }
    } else if value.len() > 5 && value.starts_with(b"/dev/") {
        Ok(Datapart::Device(value))
    } else {
        Err("expected auto, none, /dev/..., PARTUUID=... or PARTLABEL=...")
    }
}

/// Parses a decimal number of seconds: digits only, fits in a u32.
fn seconds(value: &[u8]) -> Result<u32, &'static str> {
    if value.is_empty() {
        return Err("empty number");
    }
    value.iter().try_fold(0u32, |n, &b| match b {
        b'0'..=b'9' => n.checked_mul(10).and_then(|n| n.checked_add(u32::from(b & 0x0f))).ok_or("number too large"),
        _ => Err("not a decimal number"),
    })
}

/// The kernel command line as `(name, value)` pairs, split as the kernel's
/// `next_arg` does; a parameter without `=` has an empty value.
struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let token = self.rest.trim_ascii_start();
        if token.is_empty() {
            return None;
        }
        let (quoted, token) = match token {
            [b'"', inner @ ..] => (true, inner),
            _ => (false, token),
        };
        // Whitespace ends the parameter unless inside double quotes.
        let mut in_quote = quoted;
        let end = token.iter().position(|&b| {
            let stop = b.is_ascii_whitespace() && !in_quote;
            in_quote ^= b == b'"';
            stop
        });
        let (token, rest) = token.split_at_checked(end.unwrap_or(token.len()))?;
        self.rest = rest;
        let Some((name, value)) = split_once(token, b'=') else {
            let name = strip_quote(token, quoted);
            if name == b"--" {
                // The rest is init's argv.
                self.rest = b"";
                return None;
            }
            return Some((name, b""));
        };
        // A quoted value loses its quotes; so does a wholly quoted parameter.
        let (quoted, value) = match value {
            [b'"', inner @ ..] => (true, inner),
            _ => (quoted, value),
        };
        let value = strip_quote(value, quoted);
        Some((name, value))
    }
}

/// `s` split around its first `sep`.
fn split_once(s: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = s.iter().position(|&b| b == sep)?;
    Some((s.get(..at)?, s.get(at.checked_add(1)?..)?))
}

/// Removes one trailing `"` when `quoted`.
fn strip_quote(s: &[u8], quoted: bool) -> &[u8] {
    match s {
        [inner @ .., b'"'] if quoted => inner,
        _ => s,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failing test may panic
mod tests {
    use super::*;

    fn parse<'a>(
        cmdline: &'a [u8],
        env: &[&'a [u8]],
    ) -> (Options<'a>, Vec<(&'a [u8], &'static str)>) {
        let mut warnings = Vec::new();
        let options = Options::parse(cmdline, env, &mut |w| warnings.push((w.name, w.reason)));
        (options, warnings)
    }

    fn params(cmdline: &[u8]) -> Vec<(&str, &str)> {
        let s = |b| core::str::from_utf8(b).unwrap();
        Params { rest: cmdline }
            .map(|(n, v)| (s(n), s(v)))
            .collect()
    }

    const DEFAULTS: Options<'static> = Options {
        datapart: Datapart::Auto,
        log: LogSink::Kmsg,
        shutdown_timeout: None,
        stop_timeout: 10,
        modules: b"",
        runtime: Runtime::Crio,
        watchdog: 0,
    };

    #[test]
    fn defaults_and_foreign_parameters() {
        assert_eq!(parse(b"", &[]), (DEFAULTS, vec![]));
        let cmdline = b"BOOT_IMAGE=/vmlinuz console=ttyS0,115200 quiet kiosk=1 kios=2 init=/init\n";
        assert_eq!(
            parse(cmdline, &[b"HOME=/", b"TERM=linux", b"noequals"]),
            (DEFAULTS, vec![])
        );
    }

    #[test]
    fn every_option() {
        let cmdline = b"datapart=none kios.log=stderr kios.shutdown_timeout=0 kios.stop_timeout=3 kios.modules=overlay,nvme kios.runtime=containerd kios.watchdog=30";
        let expected = Options {
            datapart: Datapart::None,
            log: LogSink::Stderr,
            shutdown_timeout: Some(0),
            stop_timeout: 3,
            modules: b"overlay,nvme",
            runtime: Runtime::Containerd,
            watchdog: 30,
        };
        assert_eq!(parse(cmdline, &[]), (expected, vec![]));
        // The same, one environment entry each.
        let env: Vec<&[u8]> = cmdline.split(|&b| b == b' ').collect();
        assert_eq!(parse(b"", &env), (expected, vec![]));
    }

    #[test]
    fn environment_and_later_occurrences_win() {
        let (o, w) = parse(
            b"kios.stop_timeout=1 kios.stop_timeout=2 kios.log=stderr",
            &[b"kios.stop_timeout=3"],
        );
        assert_eq!((o.stop_timeout, o.log, w), (3, LogSink::Stderr, vec![]));
        let (o, _) = parse(b"kios.stop_timeout=1 kios.stop_timeout=2", &[]);
        assert_eq!(o.stop_timeout, 2);
        let (o, _) = parse(b"kios.modules=a kios.modules=", &[]);
        assert_eq!(o.modules, b"");
        let (o, w) = parse(b"kios.runtime=containerd kios.runtime=crio kios.runtime=docker", &[]);
        assert_eq!((o.runtime, w.len()), (Runtime::Crio, 1));
        // A bad value is ignored: the earlier valid one stays.
        let (o, w) = parse(
            b"kios.stop_timeout=5 datapart=none",
            &[b"kios.stop_timeout=x", b"datapart=sda"],
        );
        assert_eq!(
            (o.stop_timeout, o.datapart, w.len()),
            (5, Datapart::None, 2)
        );
    }

    #[test]
    fn warnings_carry_name_value_and_reason() {
        let mut seen = Vec::new();
        Options::parse(b"kios.colour=blue", &[], &mut |w| seen.push(w));
        assert_eq!(
            seen,
            [Warning {
                name: b"kios.colour",
                value: b"blue",
                reason: "unknown kios option"
            }]
        );
        let (_, w) = parse(
            b"kios.log=console kios.log kios. kios.LOG=kmsg Datapart=x",
            &[],
        );
        assert_eq!(
            w.iter().map(|x| x.0).collect::<Vec<_>>(),
            [&b"kios.log"[..], b"kios.log", b"kios.", b"kios.LOG"]
        );
    }

    #[test]
    fn numbers() {
        let timeout = |v: &[u8]| seconds(v);
        assert_eq!(timeout(b"0"), Ok(0));
        assert_eq!(timeout(b"007"), Ok(7));
        assert_eq!(timeout(b"4294967295"), Ok(u32::MAX));
        assert_eq!(timeout(b"4294967296"), Err("number too large"));
        assert_eq!(timeout(&[b'9'; 10_000]), Err("number too large"));
        assert_eq!(timeout(b""), Err("empty number"));
        for bad in [&b"+5"[..], b"-1", b"5s", b"1.5", b" 5", b"0x10", b"\xff"] {
            assert_eq!(timeout(bad), Err("not a decimal number"), "{bad:?}");
        }
        let (o, w) = parse(b"kios.shutdown_timeout=-1 kios.stop_timeout", &[]);
        assert_eq!((o.shutdown_timeout, o.stop_timeout), (None, 10));
        assert_eq!(
            w,
            [
                (&b"kios.shutdown_timeout"[..], "not a decimal number"),
                (b"kios.stop_timeout", "empty number")
            ]
        );
    }

    #[test]
    fn datapart_values() {
        assert_eq!(datapart(b"auto"), Ok(Datapart::Auto));
        assert_eq!(datapart(b"none"), Ok(Datapart::None));
        assert_eq!(
            datapart(b"/dev/nvme0n1p2"),
            Ok(Datapart::Device(b"/dev/nvme0n1p2"))
        );
        assert_eq!(
            datapart(b"PARTUUID=97AAC693-d920-465a-94fe-eb59fc86dfaa"),
            Ok(Datapart::PartUuid(b"PARTUUID=97AAC693-d920-465a-94fe-eb59fc86dfaa"))
        );
        assert_eq!(
            datapart(b"PARTLABEL=kios data"),
            Ok(Datapart::PartLabel(b"PARTLABEL=kios data"))
        );
        assert_eq!(datapart(b"PARTLABEL="), Err("empty PARTLABEL"));
        let bad_guids: [&[u8]; 8] = [
            b"",
            b"97aac693d920465a94feeb59fc86dfaa",
            b"97aac693-d920-465a-94fe-eb59fc86dfa",
            b"97aac693-d920-465a-94fe-eb59fc86dfaa0",
            b"97aac69g-d920-465a-94fe-eb59fc86dfaa",
            b"97aac693-d920-465a-94feeb59-fc86dfaa",
            b"97aac693-d920-465a-94fe-eb59fc86dfaa-",
            b"{7aac693-d920-465a-94fe-eb59fc86dfa}",
        ];
        for g in bad_guids {
            assert_eq!(
                datapart(&[b"PARTUUID=", g].concat()),
                Err("PARTUUID is not a GUID"),
                "{g:?}"
            );
        }
        for bad in [
            &b""[..],
            b"/dev/",
            b"/dev",
            b"sda2",
            b"/sda2",
            b"AUTO",
            b"partuuid=x",
            b"LABEL=x",
        ] {
            assert!(datapart(bad).is_err(), "{bad:?}");
        }
        let (o, w) = parse(b"datapart=PARTUUID=nope", &[]);
        assert_eq!((o.datapart, w[0].0), (Datapart::Auto, &b"datapart"[..]));
        let (o, _) = parse(b"datapart=/dev/sda2", &[b"datapart=PARTLABEL=data"]);
        assert_eq!(o.datapart, Datapart::PartLabel(b"PARTLABEL=data"));
    }

    #[test]
    fn kernel_splitting() {
        assert_eq!(
            params(b" a=1\tb \n c=\n"),
            [("a", "1"), ("b", ""), ("c", "")]
        );
        assert_eq!(params(b"kios.x=\"a b\" y"), [("kios.x", "a b"), ("y", "")]);
        assert_eq!(params(b"\"kios.x=a b\" y"), [("kios.x", "a b"), ("y", "")]);
        assert_eq!(
            params(b"\"quiet\" a=\"\" b=\""),
            [("quiet", ""), ("a", ""), ("b", "")]
        );
        assert_eq!(params(b"a=b\"c d\"e f"), [("a", "b\"c d\"e"), ("f", "")]);
        assert_eq!(params(b"a=b=c =d"), [("a", "b=c"), ("", "d")]);
        // An unterminated quote runs to the end.
        assert_eq!(
            params(b"kios.log=\"stderr quiet"),
            [("kios.log", "stderr quiet")]
        );
        assert_eq!(params(b"a -- kios.log=stderr"), [("a", "")]);
        assert_eq!(params(b"a \"--\" b"), [("a", "")]);
        assert_eq!(params(b"--=1 ---"), [("--", "1"), ("---", "")]);
        assert_eq!(params(b""), Vec::<(&str, &str)>::new());
        assert_eq!(params(b" \t\n"), Vec::<(&str, &str)>::new());
        assert_eq!(params(b"\""), [("", "")]);
        let (o, _) = parse(b"quiet -- kios.log=stderr datapart=none", &[]);
        assert_eq!(o, DEFAULTS);
        let (o, _) = parse(
            b"\"datapart=PARTLABEL=kios data\" kios.modules=\"overlay,ext4\"",
            &[],
        );
        assert_eq!(
            (o.datapart, o.modules),
            (Datapart::PartLabel(b"PARTLABEL=kios data"), &b"overlay,ext4"[..])
        );
    }

    #[test]
    fn overlong_and_hostile_input() {
        let mut long = b"x=".repeat(50_000);
        long.extend_from_slice(b" kios.stop_timeout=4 ");
        long.extend(core::iter::repeat_n(b'"', 10_001));
        let (o, w) = parse(&long, &[]);
        assert_eq!((o.stop_timeout, w), (4, vec![]));
        let junk: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let _ = parse(&junk, &[&junk]);
        let modules = [b"kios.modules=", &b"m,".repeat(10_000)[..]].concat();
        let (o, w) = parse(&modules, &[]);
        assert_eq!((o.modules.len(), w), (20_000, vec![]));
    }
}
