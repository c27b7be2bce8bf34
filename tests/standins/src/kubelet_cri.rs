//! kubelet-cri-standin: a kubelet that really runs the node's static pods.
//! It reads the pod manifests in `/etc/kubernetes/manifests`, imports the
//! images of the OCI archives the node carries into containerd (once: they
//! persist with containerd's store), and runs the pods through containerd's
//! CRI API (RunPodSandbox, CreateContainer, StartContainer), restarting
//! containers as their pod's restartPolicy says. Their output (the CRI
//! container logs) is copied to its own reports. On the init's shutdown
//! event it stops every pod (StopContainer with the pod's grace period,
//! then StopPodSandbox) and only then answers `0x02`, as the real kubelet's
//! graceful node shutdown does. See README.md.

mod archives;
mod common;
mod pods;

use common::{Kind, Out};
use hyper_util::rt::TokioIo;
use k8s_cri::v1::image_service_client::ImageServiceClient;
use k8s_cri::v1::runtime_service_client::RuntimeServiceClient;
use k8s_cri::v1 as cri;
use pods::Pod;
use std::collections::HashMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint, Uri};

const KEYS: &[(&str, Kind)] = &[
    ("manifests", Kind::Text),
    ("images", Kind::Text),
    ("cri_socket", Kind::Text),
    ("ctr", Kind::Text),
    ("pod_logs", Kind::Text),
    ("system_socket", Kind::Text),
    ("send_when_ready", Kind::Sends),
];

/// How often container states are polled and logs read.
const TICK: Duration = Duration::from_millis(500);
/// How long to wait for the runtime's CRI socket to answer.
const CRI_WAIT: Duration = Duration::from_secs(30);
/// Restart back-off: the first delay, doubled up to the cap.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// The configuration, with defaults (README.md).
struct Settings {
    manifests: String,
    images: Vec<String>,
    cri_socket: String,
    ctr: String,
    pod_logs: String,
    system_socket: String,
    /// First start only: bytes to send, each MS ms after the pods are ready.
    send_when_ready: Vec<(u8, u64)>,
}

impl Settings {
    fn new(cfg: &common::Config) -> Settings {
        let text = |key: &str, default: &str| cfg.text(key).unwrap_or(default).to_string();
        Settings {
            manifests: text("manifests", "/etc/kubernetes/manifests"),
            images: text("images", "/usr/share/kios/images,/var/lib/containers/storage/archives")
                .split(',')
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect(),
            cri_socket: text("cri_socket", "/run/containerd/containerd.sock"),
            ctr: text("ctr", "/bin/ctr"),
            pod_logs: text("pod_logs", "/var/log/pods"),
            system_socket: text("system_socket", "/run/system.sock"),
            send_when_ready: cfg.sends("send_when_ready"),
        }
    }
}

/// Set by the socket thread at the shutdown event, before the pod loop
/// hears of it: a restart already due is not made any more.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// What the socket thread passes on.
enum Event {
    Shutdown,
    Closed,
}

/// Connects to the init's socket, retrying every 100 ms for up to 5 s.
fn connect_system(out: Out, path: &str) -> Option<Arc<UnixStream>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match UnixStream::connect(path) {
            Ok(s) => {
                out.report("socket connected");
                return Some(Arc::new(s));
            }
            Err(e) if Instant::now() >= deadline => {
                out.report(&format!("socket error {e}"));
                return None;
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Reads the init's bytes: 0x01 goes to the pod loop, others are reported.
fn read_events(out: Out, sock: Arc<UnixStream>, tx: mpsc::UnboundedSender<Event>) {
    let mut buf = [0u8; 64];
    loop {
        let n = match (&*sock).read(&mut buf) {
            Ok(0) => {
                out.report("socket closed");
                let _ = tx.send(Event::Closed);
                return;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return out.report(&format!("socket error {e}")),
        };
        for &byte in &buf[..n] {
            if byte == 0x01 {
                SHUTTING_DOWN.store(true, Ordering::SeqCst);
                out.report("shutdown event");
                let _ = tx.send(Event::Shutdown);
            } else {
                out.report(&format!("byte 0x{byte:02x}"));
            }
        }
    }
}

/// The two CRI services over one connection.
#[derive(Clone)]
struct Cri {
    runtime: RuntimeServiceClient<Channel>,
    images: ImageServiceClient<Channel>,
}

/// A gRPC status as a short text.
fn status_text(s: tonic::Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// Connects to the CRI socket (retrying for up to `CRI_WAIT`) and asks its
/// version: `cri connected` or `cri error`.
async fn connect_cri(out: Out, path: &str) -> Option<Cri> {
    let deadline = Instant::now() + CRI_WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        let socket = path.to_string();
        // The URI is not used: every connection goes to the unix socket.
        let connected = Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let socket = socket.clone();
                async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(socket).await?)) }
            }))
            .await;
        match connected {
            Ok(channel) => {
                let mut cri = Cri {
                    runtime: RuntimeServiceClient::new(channel.clone()),
                    images: ImageServiceClient::new(channel),
                };
                match cri.runtime.version(cri::VersionRequest { version: "v1".into() }).await {
                    Ok(v) => {
                        let v = v.into_inner();
                        out.report(&format!(
                            "cri connected {path} runtime {} {} api {}",
                            v.runtime_name, v.runtime_version, v.runtime_api_version
                        ));
                        return Some(cri);
                    }
                    Err(e) => last = status_text(e),
                }
            }
            Err(e) => last = format!("{e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    out.report(&format!("cri error {path}: {last}"));
    None
}

impl Cri {
    /// Whether the runtime has image `name` (CRI ImageStatus).
    async fn has_image(&mut self, name: &str) -> Result<bool, String> {
        let request = cri::ImageStatusRequest {
            image: Some(cri::ImageSpec { image: name.to_string(), ..Default::default() }),
            verbose: false,
        };
        let reply = self.images.image_status(request).await.map_err(status_text)?;
        Ok(reply.into_inner().image.is_some())
    }
}

/// Imports each archive that holds an image the runtime does not have:
/// `image NAME already present` for each name of an archive that needs no
/// import, else `image NAME imported from PATH in MS ms` once the runtime
/// lists it (`ctr -n k8s.io images import`).
async fn import_images(out: Out, cri: &mut Cri, s: &Settings) {
    let found = archives::find(&s.images);
    if found.is_empty() {
        out.report(&format!("images none in {}", s.images.join(",")));
    }
    for archive in found {
        let shown = archive.display();
        let names = match archives::names(&archive) {
            Ok(n) => n,
            Err(e) => {
                out.report(&format!("image archive {shown} error {e}"));
                continue;
            }
        };
        let mut missing = Vec::new();
        for name in &names {
            match cri.has_image(name).await {
                Ok(true) => {}
                Ok(false) => missing.push(name.clone()),
                Err(e) => {
                    out.report(&format!("image {name} status error {e}"));
                    missing.push(name.clone());
                }
            }
        }
        if missing.is_empty() {
            for name in &names {
                out.report(&format!("image {name} already present"));
            }
            continue;
        }
        let t0 = Instant::now();
        let ran = Command::new(&s.ctr)
            .args(["--address", &s.cri_socket, "-n", "k8s.io", "images", "import"])
            .arg(&archive)
            .output();
        match ran {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stderr).trim().replace('\n', " | ");
                out.report(&format!("image archive {shown} import failed {}: {text}", o.status));
                continue;
            }
            Err(e) => {
                out.report(&format!("image archive {shown} import failed: {} {e}", s.ctr));
                continue;
            }
        }
        // The CRI plugin learns of new images through containerd's events:
        // wait until it lists each one.
        for name in &missing {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if cri.has_image(name).await == Ok(true) {
                    let ms = t0.elapsed().as_millis();
                    out.report(&format!("image {name} imported from {shown} in {ms} ms"));
                    break;
                }
                if Instant::now() >= deadline {
                    out.report(&format!("image {name} not listed after import from {shown}"));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The manifests of the directory, parsed, in name order:
/// `manifest FILE pod NAME` or `manifest FILE error ERR` for each.
fn read_manifests(out: Out, dir: &str) -> Vec<Pod> {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            })
            .collect(),
        Err(e) => {
            out.report(&format!("manifests {dir} error {e}"));
            return Vec::new();
        }
    };
    files.sort();
    let mut pods: Vec<Pod> = Vec::new();
    for file in files {
        let shown = file.display();
        let parsed = fs::read_to_string(&file).map_err(|e| e.to_string()).and_then(|t| pods::parse(&t));
        match parsed {
            Ok(pod) if pods.iter().any(|p| p.name == pod.name && p.namespace == pod.namespace) => {
                out.report(&format!("manifest {shown} error pod {} is defined twice", pod.name))
            }
            Ok(pod) => {
                out.report(&format!(
                    "manifest {shown} pod {} containers {}",
                    pod.name,
                    pod.containers.len()
                ));
                pods.push(pod);
            }
            Err(e) => out.report(&format!("manifest {shown} error {}", e.replace('\n', " "))),
        }
    }
    if pods.is_empty() {
        out.report(&format!("manifests none in {dir}"));
    }
    pods
}

/// Removes the sandboxes a previous boot left in the runtime's store (the
/// tasks are gone, the records stay), so names can be used again.
async fn remove_stale(out: Out, cri: &mut Cri) {
    let list = match cri.runtime.list_pod_sandbox(cri::ListPodSandboxRequest { filter: None }).await {
        Ok(l) => l.into_inner().items,
        Err(e) => return out.report(&format!("stale pods error {}", status_text(e))),
    };
    for sandbox in list {
        let name = sandbox.metadata.map(|m| m.name).unwrap_or_default();
        let id = sandbox.id;
        let _ = cri.runtime.stop_pod_sandbox(cri::StopPodSandboxRequest { pod_sandbox_id: id.clone() }).await;
        match cri.runtime.remove_pod_sandbox(cri::RemovePodSandboxRequest { pod_sandbox_id: id.clone() }).await {
            Ok(_) => out.report(&format!("stale pod {name} sandbox {} removed", short(&id))),
            Err(e) => out.report(&format!("stale pod {name} sandbox {} remove error {}", short(&id), status_text(e))),
        }
    }
}

/// The first 13 characters of an id, as crictl shows them.
fn short(id: &str) -> &str {
    &id[..id.len().min(13)]
}

/// A running pod: its sandbox and the config its containers are created with.
struct RunningPod {
    pod: Pod,
    sandbox_id: String,
    config: cri::PodSandboxConfig,
    log_dir: PathBuf,
}

/// One container of a pod, as supervised.
struct Tracked {
    pod: usize,
    index: usize,
    /// `POD/CONTAINER`, as the reports name it.
    label: String,
    id: Option<String>,
    attempt: u32,
    log: LogTail,
    /// Exited and waiting for its restart at this time.
    restart_at: Option<Instant>,
    backoff: Duration,
    /// Exited for good (restart policy).
    done: bool,
}

/// Reads new complete lines of a CRI container log (`TIME STREAM TAG TEXT`,
/// TAG `F` for a full line, `P` for a part of a longer one).
struct LogTail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    /// Text of `P` records waiting for their `F`.
    pending: String,
    /// Lines reported so far.
    lines: u64,
}

impl LogTail {
    fn new(path: PathBuf) -> LogTail {
        LogTail { path, offset: 0, partial: Vec::new(), pending: String::new(), lines: 0 }
    }

    /// Reports `log LABEL TEXT` for each new line.
    fn drain(&mut self, out: Out, label: &str) {
        let Ok(mut f) = fs::File::open(&self.path) else { return };
        let mut buf = Vec::new();
        if f.seek(SeekFrom::Start(self.offset)).is_err() || f.read_to_end(&mut buf).is_err() {
            return;
        }
        self.offset += buf.len() as u64;
        self.partial.extend_from_slice(&buf);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let record: Vec<u8> = self.partial.drain(..=end).collect();
            let record = String::from_utf8_lossy(&record[..end]).into_owned();
            let mut fields = record.splitn(4, ' ');
            let (_time, _stream, tag, text) = (fields.next(), fields.next(), fields.next(), fields.next());
            self.pending.push_str(text.unwrap_or(""));
            if tag != Some("P") {
                let line = std::mem::take(&mut self.pending);
                out.report(&format!("log {label} {line}"));
                self.lines += 1;
            }
        }
    }
}

/// The namespaces of a pod's sandbox and containers.
fn namespaces(pod: &Pod) -> cri::NamespaceOption {
    let network = if pod.host_network { cri::NamespaceMode::Node } else { cri::NamespaceMode::Pod };
    cri::NamespaceOption {
        network: network as i32,
        pid: cri::NamespaceMode::Container as i32,
        ipc: cri::NamespaceMode::Pod as i32,
        ..Default::default()
    }
}

/// RunPodSandbox and its status: `pod NAME sandbox ID ip A.B.C.D` (`ip
/// host` with hostNetwork) or `pod NAME error ERR`.
async fn run_sandbox(out: Out, cri: &mut Cri, pod: Pod, s: &Settings) -> Option<RunningPod> {
    let log_dir = PathBuf::from(format!("{}/{}_{}_{}", s.pod_logs, pod.namespace, pod.name, pod.uid));
    let labels: HashMap<String, String> = [
        ("io.kubernetes.pod.name", pod.name.clone()),
        ("io.kubernetes.pod.namespace", pod.namespace.clone()),
        ("io.kubernetes.pod.uid", pod.uid.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    // containerd copies the node's /etc/resolv.conf into the pod unless it
    // is given DNS settings; a node without one gets a pod without servers.
    let dns_config = (!Path::new("/etc/resolv.conf").exists()).then(|| cri::DnsConfig {
        options: vec!["ndots:1".into()],
        ..Default::default()
    });
    let config = cri::PodSandboxConfig {
        metadata: Some(cri::PodSandboxMetadata {
            name: pod.name.clone(),
            uid: pod.uid.clone(),
            namespace: pod.namespace.clone(),
            attempt: 0,
        }),
        // With hostNetwork the pod keeps the node's name, as in Kubernetes.
        hostname: if pod.host_network { String::new() } else { pod.name.clone() },
        log_directory: log_dir.display().to_string(),
        dns_config,
        labels,
        linux: Some(cri::LinuxPodSandboxConfig {
            cgroup_parent: format!("/kubepods/pod{}", pod.uid),
            security_context: Some(cri::LinuxSandboxSecurityContext {
                namespace_options: Some(namespaces(&pod)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let t0 = Instant::now();
    let request = cri::RunPodSandboxRequest { config: Some(config.clone()), runtime_handler: String::new() };
    let sandbox_id = match cri.runtime.run_pod_sandbox(request).await {
        Ok(r) => r.into_inner().pod_sandbox_id,
        Err(e) => {
            out.report(&format!("pod {} error {}", pod.name, status_text(e)));
            return None;
        }
    };
    let ip = if pod.host_network {
        "host".to_string()
    } else {
        let request = cri::PodSandboxStatusRequest { pod_sandbox_id: sandbox_id.clone(), verbose: false };
        match cri.runtime.pod_sandbox_status(request).await {
            Ok(r) => r
                .into_inner()
                .status
                .and_then(|s| s.network)
                .map(|n| n.ip)
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "none".into()),
            Err(e) => format!("error {}", status_text(e)),
        }
    };
    out.report(&format!(
        "pod {} sandbox {} ip {ip} in {} ms",
        pod.name,
        short(&sandbox_id),
        t0.elapsed().as_millis()
    ));
    Some(RunningPod { pod, sandbox_id, config, log_dir })
}

/// Starts one pod: its sandbox, then each of its containers (one that
/// fails is started again by the supervision, after its back-off). The
/// containers' `pod` index is set by the caller.
async fn start_pod(out: Out, mut cri: Cri, pod: Pod, s: Arc<Settings>) -> Option<(RunningPod, Vec<Tracked>)> {
    let p = run_sandbox(out, &mut cri, pod, &s).await?;
    let mut tracked = Vec::new();
    for (index, c) in p.pod.containers.iter().enumerate() {
        let mut t = Tracked {
            pod: usize::MAX,
            index,
            label: format!("{}/{}", p.pod.name, c.name),
            id: None,
            attempt: 0,
            log: LogTail::new(PathBuf::new()),
            restart_at: None,
            backoff: BACKOFF_FIRST,
            done: false,
        };
        if !start_container(out, &mut cri, &p, &mut t).await && !SHUTTING_DOWN.load(Ordering::SeqCst) {
            schedule_restart(out, &mut t);
        }
        tracked.push(t);
    }
    Some((p, tracked))
}

/// CreateContainer then StartContainer for container `t`: `container LABEL
/// started ID attempt N` or `container LABEL error ERR`.
async fn start_container(out: Out, cri: &mut Cri, p: &RunningPod, t: &mut Tracked) -> bool {
    let c = &p.pod.containers[t.index];
    let log_path = format!("{}/{}.log", c.name, t.attempt);
    let config = cri::ContainerConfig {
        metadata: Some(cri::ContainerMetadata { name: c.name.clone(), attempt: t.attempt }),
        image: Some(cri::ImageSpec { image: c.image.clone(), ..Default::default() }),
        command: c.command.clone(),
        args: c.args.clone(),
        envs: c.env.iter().map(|(k, v)| cri::KeyValue { key: k.clone(), value: v.clone() }).collect(),
        labels: [("io.kubernetes.container.name".to_string(), c.name.clone())].into_iter().collect(),
        log_path: log_path.clone(),
        linux: Some(cri::LinuxContainerConfig {
            resources: Some(cri::LinuxContainerResources {
                memory_limit_in_bytes: c.memory_limit.unwrap_or(0),
                ..Default::default()
            }),
            security_context: Some(cri::LinuxContainerSecurityContext {
                namespace_options: Some(namespaces(&p.pod)),
                ..Default::default()
            }),
        }),
        ..Default::default()
    };
    let request = cri::CreateContainerRequest {
        pod_sandbox_id: p.sandbox_id.clone(),
        config: Some(config),
        sandbox_config: Some(p.config.clone()),
    };
    let id = match cri.runtime.create_container(request).await {
        Ok(r) => r.into_inner().container_id,
        Err(e) => {
            out.report(&format!("container {} error {}", t.label, status_text(e)));
            return false;
        }
    };
    // The same pod's log file of an earlier boot is appended to: tail only
    // what this container writes.
    t.log = LogTail::new(p.log_dir.join(&log_path));
    t.log.offset = fs::metadata(&t.log.path).map(|m| m.len()).unwrap_or(0);
    if SHUTTING_DOWN.load(Ordering::SeqCst) {
        // The shutdown event came while it was being created.
        out.report(&format!("container {} not started: shutting down", t.label));
        let _ = cri.runtime.remove_container(cri::RemoveContainerRequest { container_id: id }).await;
        return false;
    }
    t.id = Some(id.clone());
    match cri.runtime.start_container(cri::StartContainerRequest { container_id: id.clone() }).await {
        Ok(_) => {
            out.report(&format!("container {} started {} attempt {}", t.label, short(&id), t.attempt));
            true
        }
        Err(e) => {
            out.report(&format!("container {} error {}", t.label, status_text(e)));
            // Created but never run: not one to stop at shutdown.
            let _ = cri.runtime.remove_container(cri::RemoveContainerRequest { container_id: id }).await;
            t.id = None;
            false
        }
    }
}

/// The state and exit code of a container.
async fn container_state(cri: &mut Cri, id: &str) -> Result<(cri::ContainerState, i32), String> {
    let request = cri::ContainerStatusRequest { container_id: id.to_string(), verbose: false };
    let status = cri.runtime.container_status(request).await.map_err(status_text)?;
    let status = status.into_inner().status.ok_or("no status")?;
    let state = cri::ContainerState::try_from(status.state).unwrap_or(cri::ContainerState::ContainerUnknown);
    Ok((state, status.exit_code))
}

/// One supervision round: new log lines, exits, due restarts.
async fn supervise(out: Out, cri: &mut Cri, pods: &[RunningPod], tracked: &mut [Tracked]) {
    for t in tracked.iter_mut() {
        t.log.drain(out, &t.label);
        if t.done {
            continue;
        }
        if let Some(at) = t.restart_at {
            if Instant::now() >= at && !SHUTTING_DOWN.load(Ordering::SeqCst) {
                t.restart_at = None;
                t.attempt += 1;
                if !start_container(out, cri, &pods[t.pod], t).await && !SHUTTING_DOWN.load(Ordering::SeqCst) {
                    schedule_restart(out, t);
                }
            }
            continue;
        }
        let Some(id) = t.id.clone() else { continue };
        match container_state(cri, &id).await {
            Ok((cri::ContainerState::ContainerExited, code)) => {
                t.log.drain(out, &t.label);
                out.report(&format!("container {} exited {code}", t.label));
                let _ = cri.runtime.remove_container(cri::RemoveContainerRequest { container_id: id }).await;
                t.id = None;
                if pods[t.pod].pod.restart.again(code) {
                    schedule_restart(out, t);
                } else {
                    t.done = true;
                    out.report(&format!("container {} not restarted (restartPolicy {:?})", t.label, pods[t.pod].pod.restart));
                }
            }
            Ok(_) => {}
            Err(e) => out.report(&format!("container {} status error {e}", t.label)),
        }
    }
}

/// Plans the next start of `t` after its back-off, doubling it.
fn schedule_restart(out: Out, t: &mut Tracked) {
    out.report(&format!("container {} restart in {} ms", t.label, t.backoff.as_millis()));
    t.restart_at = Some(Instant::now() + t.backoff);
    t.backoff = (t.backoff * 2).min(BACKOFF_MAX);
}

/// The graceful node shutdown: every container of every pod stopped at
/// once (StopContainer with its pod's grace period; `container LABEL
/// stopped exit CODE in MS ms`), their last log lines, then every sandbox
/// at once (`pod NAME stopped`); `pods stopped N in MS ms` at the end.
async fn stop_all(out: Out, cri: &Cri, pods: &[RunningPod], tracked: &mut [Tracked]) {
    let t0 = Instant::now();
    let mut stops = tokio::task::JoinSet::new();
    for (i, t) in tracked.iter().enumerate() {
        let Some(id) = t.id.clone() else { continue };
        let mut cri = cri.clone();
        let grace = pods[t.pod].pod.grace_s;
        stops.spawn(async move {
            let started = Instant::now();
            let request = cri::StopContainerRequest { container_id: id.clone(), timeout: grace };
            let stopped = cri.runtime.stop_container(request).await.map_err(status_text);
            let state = container_state(&mut cri, &id).await;
            (i, stopped, state, started.elapsed())
        });
    }
    while let Some(done) = stops.join_next().await {
        let Ok((i, stopped, state, took)) = done else { continue };
        let t = &mut tracked[i];
        t.log.drain(out, &t.label);
        match (stopped, state) {
            (Ok(_), Ok((_, code))) => {
                out.report(&format!("container {} stopped exit {code} in {} ms", t.label, took.as_millis()))
            }
            (Err(e), _) | (_, Err(e)) => out.report(&format!("container {} stop error {e}", t.label)),
        }
    }
    let mut sandboxes = tokio::task::JoinSet::new();
    for p in pods {
        let (mut cri, name) = (cri.clone(), p.pod.name.clone());
        let request = cri::StopPodSandboxRequest { pod_sandbox_id: p.sandbox_id.clone() };
        sandboxes.spawn(async move {
            match cri.runtime.stop_pod_sandbox(request).await {
                Ok(_) => out.report(&format!("pod {name} stopped")),
                Err(e) => out.report(&format!("pod {name} stop error {}", status_text(e))),
            }
        });
    }
    while sandboxes.join_next().await.is_some() {}
    out.report(&format!("pods stopped {} in {} ms", pods.len(), t0.elapsed().as_millis()));
}

/// Answers the shutdown event: `sent continue`, then 0x02.
fn answer(out: Out, sock: &Option<Arc<UnixStream>>) {
    // Reported before the write: the init may answer the 0x02 with a
    // SIGTERM at once, whose `sigterm` line must not come first.
    out.report("sent continue");
    if let Some(s) = sock {
        if let Err(e) = (&**s).write_all(&[0x02]) {
            out.report(&format!("send error 0x02 {e}"));
        }
    }
}

/// Sends each `(byte, ms)` at `ms` after now, in time order: `sent 0xNN`
/// or `send error 0xNN ERR`, as the scripted kubelet's `kubelet.send`.
fn send_later(out: Out, sock: Option<Arc<UnixStream>>, mut sends: Vec<(u8, u64)>) {
    let t0 = Instant::now();
    sends.sort_by_key(|&(_, ms)| ms);
    thread::spawn(move || {
        for (byte, ms) in sends {
            thread::sleep((t0 + Duration::from_millis(ms)).saturating_duration_since(Instant::now()));
            let sent = match &sock {
                Some(s) => (&**s).write_all(&[byte]).map_err(|e| e.to_string()),
                None => Err("not connected".into()),
            };
            match sent {
                Ok(()) => out.report(&format!("sent 0x{byte:02x}")),
                Err(e) => out.report(&format!("send error 0x{byte:02x} {e}")),
            }
        }
    });
}

/// Everything after the socket connection; `t0` is the process's start.
async fn run(
    out: Out,
    s: Settings,
    (t0, starts): (Instant, u64),
    sock: Option<Arc<UnixStream>>,
    mut rx: mpsc::UnboundedReceiver<Event>,
) {
    let manifests = read_manifests(out, &s.manifests);
    let Some(mut cri) = connect_cri(out, &s.cri_socket).await else {
        // No runtime, no pods: still answer the shutdown event.
        while let Some(event) = rx.recv().await {
            if let Event::Shutdown = event {
                out.report("pods stopped 0 in 0 ms");
                answer(out, &sock);
            }
        }
        return;
    };
    import_images(out, &mut cri, &s).await;
    remove_stale(out, &mut cri).await;
    // The pods start one after the other, in name order (on a small node
    // the first pod runs soonest so, and the order is the same at every
    // boot), each supervised as soon as it runs.
    let s = Arc::new(s);
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let total = manifests.len();
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let (cri, s, stopping) = (cri.clone(), s.clone(), stopping.clone());
        tokio::spawn(async move {
            for pod in manifests {
                if stopping.load(Ordering::SeqCst) || SHUTTING_DOWN.load(Ordering::SeqCst) {
                    break;
                }
                let _ = started_tx.send(start_pod(out, cri.clone(), pod, s.clone()).await);
            }
        });
    }
    let mut pods: Vec<RunningPod> = Vec::new();
    let mut tracked: Vec<Tracked> = Vec::new();
    let mut tried = 0;
    let add = |done: Option<(RunningPod, Vec<Tracked>)>, pods: &mut Vec<RunningPod>, tracked: &mut Vec<Tracked>| {
        if let Some((p, containers)) = done {
            pods.push(p);
            tracked.extend(containers.into_iter().map(|t| Tracked { pod: pods.len() - 1, ..t }));
        }
    };
    let mut tick = tokio::time::interval(TICK);
    let (mut ready, mut shutdown, mut socket_open) = (false, false, true);
    if total == 0 {
        out.report("pods started 0 containers 0");
    }
    while !shutdown {
        tokio::select! {
            Some(done) = started_rx.recv(), if tried < total => {
                add(done, &mut pods, &mut tracked);
                tried += 1;
                if tried == total {
                    let running = tracked.iter().filter(|t| t.id.is_some()).count();
                    out.report(&format!("pods started {} containers {running}", pods.len()));
                }
            }
            _ = tick.tick() => {
                supervise(out, &mut cri, &pods, &mut tracked).await;
                // Ready: every pod tried, every container started and wrote a line.
                if !ready && tried == total && !tracked.is_empty() && tracked.iter().all(|t| t.log.lines > 0) {
                    ready = true;
                    out.report(&format!("pods ready in {} ms", t0.elapsed().as_millis()));
                    if starts == 1 && !s.send_when_ready.is_empty() {
                        send_later(out, sock.clone(), s.send_when_ready.clone());
                    }
                }
            }
            event = rx.recv(), if socket_open => match event {
                Some(Event::Shutdown) => shutdown = true,
                // Socket gone: keep the pods running, as the real kubelet does.
                Some(Event::Closed) | None => socket_open = false,
            },
        }
    }
    // The pod being started is stopped too, once it runs; the others are
    // not started any more.
    stopping.store(true, Ordering::SeqCst);
    while let Some(done) = started_rx.recv().await {
        add(done, &mut pods, &mut tracked);
    }
    stop_all(out, &cri, &pods, &mut tracked).await;
    answer(out, &sock);
    // Until the init's SIGTERM: nothing restarts any more.
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

fn main() {
    let t0 = Instant::now();
    let (out, cfg, starts) = common::startup("kubelet", KEYS);
    common::common_behaviour(out, &cfg, starts, None);
    let settings = Settings::new(&cfg);
    let (tx, rx) = mpsc::unbounded_channel();
    let sock = connect_system(out, &settings.system_socket);
    if let Some(s) = sock.clone() {
        thread::spawn(move || read_events(out, s, tx));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(out, settings, (t0, starts), sock, rx));
    common::idle();
}
