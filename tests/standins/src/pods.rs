//! The static pod manifests of kiOS (`/etc/kubernetes/manifests/*.yaml`):
//! the part of a Kubernetes `Pod` that kubelet-cri-standin runs. Fields it
//! does not know are ignored, as the real kubelet's decoder would keep them;
//! a field it knows with a bad value makes the manifest an error.

use serde::Deserialize;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// One pod, checked: what the CRI calls need.
#[derive(Debug, PartialEq)]
pub struct Pod {
    pub name: String,
    pub namespace: String,
    /// Stable for the same manifest text (the real kubelet hashes a static
    /// pod's manifest into its UID too).
    pub uid: String,
    pub host_network: bool,
    pub restart: Restart,
    /// `terminationGracePeriodSeconds`, default 30 (Kubernetes' default).
    pub grace_s: i64,
    pub containers: Vec<Container>,
}

#[derive(Debug, PartialEq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `resources.limits.memory` in bytes, if given.
    pub memory_limit: Option<i64>,
}

/// `restartPolicy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Restart {
    Always,
    OnFailure,
    Never,
}

impl Restart {
    /// Whether a container that exited with `code` is started again.
    pub fn again(self, code: i32) -> bool {
        match self {
            Restart::Always => true,
            Restart::OnFailure => code != 0,
            Restart::Never => false,
        }
    }
}

// The YAML as written (camelCase, everything optional but checked below).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPod {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<RawMeta>,
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    #[serde(default)]
    containers: Vec<RawContainer>,
    #[serde(default)]
    host_network: bool,
    restart_policy: Option<String>,
    termination_grace_period_seconds: Option<i64>,
}

#[derive(Deserialize)]
struct RawContainer {
    name: Option<String>,
    image: Option<String>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: Vec<RawEnv>,
    resources: Option<RawResources>,
}

#[derive(Deserialize)]
struct RawEnv {
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct RawResources {
    limits: Option<RawLimits>,
}

#[derive(Deserialize)]
struct RawLimits {
    memory: Option<serde_yaml::Value>,
}

/// A DNS-1123 label, as Kubernetes requires of pod and container names:
/// 1..=63 of `a-z0-9-`, starting and ending alphanumeric.
fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A Kubernetes quantity of bytes: `128974848`, `129e6`, `123Mi`, `0.5Gi`,
/// `129M`, `1k`. Binary suffixes Ki..Ei, decimal k, M..E; a fraction is
/// rounded up to a whole byte (as Kubernetes does for memory).
pub fn parse_quantity(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("bad quantity `{text}`");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    if number.is_empty() || number.matches('.').count() > 1 || number == "." {
        return Err(bad());
    }
    let multiplier: f64 = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..].parse().map_err(|_| bad())?;
            10f64.powi(exp)
        }
        _ => return Err(bad()),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let bytes = (value * multiplier).ceil();
    if !(1.0..=i64::MAX as f64).contains(&bytes) {
        return Err(format!("quantity `{text}` out of range"));
    }
    Ok(bytes as i64)
}

/// Parses one manifest; the error says what is wrong, for the log line.
pub fn parse(text: &str) -> Result<Pod, String> {
    let raw: RawPod = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if raw.api_version.as_deref().is_some_and(|v| v != "v1") {
        return Err(format!("apiVersion {} (expected v1)", raw.api_version.unwrap()));
    }
    if raw.kind.as_deref() != Some("Pod") {
        return Err(format!("kind {} (expected Pod)", raw.kind.as_deref().unwrap_or("missing")));
    }
    let meta = raw.metadata.ok_or("no metadata")?;
    let name = meta.name.ok_or("no metadata.name")?;
    if !dns_label(&name) {
        return Err(format!("pod name `{name}` is not a DNS label"));
    }
    let namespace = meta.namespace.unwrap_or_else(|| "default".into());
    if !dns_label(&namespace) {
        return Err(format!("namespace `{namespace}` is not a DNS label"));
    }
    let spec = raw.spec.ok_or("no spec")?;
    let restart = match spec.restart_policy.as_deref() {
        None | Some("Always") => Restart::Always,
        Some("OnFailure") => Restart::OnFailure,
        Some("Never") => Restart::Never,
        Some(other) => return Err(format!("restartPolicy `{other}`")),
    };
    let grace_s = spec.termination_grace_period_seconds.unwrap_or(30);
    if grace_s < 0 {
        return Err(format!("terminationGracePeriodSeconds {grace_s}"));
    }
    if spec.containers.is_empty() {
        return Err("no containers".into());
    }
    let mut containers: Vec<Container> = Vec::new();
    for (i, c) in spec.containers.into_iter().enumerate() {
        let cname = c.name.ok_or_else(|| format!("container {i} has no name"))?;
        if !dns_label(&cname) {
            return Err(format!("container name `{cname}` is not a DNS label"));
        }
        if containers.iter().any(|o| o.name == cname) {
            return Err(format!("two containers named `{cname}`"));
        }
        let image = c.image.filter(|s| !s.is_empty()).ok_or_else(|| format!("container {cname} has no image"))?;
        let memory_limit = match c.resources.and_then(|r| r.limits).and_then(|l| l.memory) {
            None => None,
            Some(serde_yaml::Value::Number(n)) => Some(parse_quantity(&n.to_string())?),
            Some(serde_yaml::Value::String(s)) => Some(parse_quantity(&s)?),
            Some(other) => return Err(format!("container {cname}: memory limit {other:?}")),
        };
        containers.push(Container {
            name: cname,
            image,
            command: c.command,
            args: c.args,
            env: c.env.into_iter().map(|e| (e.name, e.value)).collect(),
            memory_limit,
        });
    }
    let mut hash = DefaultHasher::new();
    text.hash(&mut hash);
    let h = hash.finish();
    let uid = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xffff,
        (h >> 48) ^ 0x8000,
        h & 0xffff_ffff_ffff
    );
    Ok(Pod { name, namespace, uid, host_network: spec.host_network, restart, grace_s, containers })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEB: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: kube-system
  labels: {app: web}
spec:
  hostNetwork: false
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: localhost/kios/pod:1
    command: [/pod-program]
    args: [web, \"hello world\"]
    env:
    - {name: KIOS_GREETING, value: hi}
    - name: EMPTY
    resources:
      limits: {memory: 64Mi, cpu: 100m}
  - name: side
    image: localhost/kios/pod:1
";

    #[test]
    fn full_manifest() {
        let pod = parse(WEB).unwrap();
        assert_eq!(pod.name, "web");
        assert_eq!(pod.namespace, "kube-system");
        assert!(!pod.host_network);
        assert_eq!(pod.restart, Restart::OnFailure);
        assert_eq!(pod.grace_s, 5);
        assert_eq!(pod.containers.len(), 2);
        let app = &pod.containers[0];
        assert_eq!(app.command, ["/pod-program"]);
        assert_eq!(app.args, ["web", "hello world"]);
        assert_eq!(app.env, [("KIOS_GREETING".into(), "hi".into()), ("EMPTY".into(), String::new())]);
        assert_eq!(app.memory_limit, Some(64 << 20));
        assert_eq!(pod.containers[1].memory_limit, None);
        assert_eq!(pod.uid, parse(WEB).unwrap().uid, "same text, same uid");
        assert_ne!(pod.uid, parse(&WEB.replace("web", "www")).unwrap().uid);
    }

    #[test]
    fn defaults() {
        let pod = parse("kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n").unwrap();
        assert_eq!((pod.namespace.as_str(), pod.host_network, pod.restart, pod.grace_s), ("default", false, Restart::Always, 30));
    }

    #[test]
    fn errors() {
        let cases = [
            ("kind: Deployment\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}", "kind Deployment"),
            ("kind: Pod\nspec: {containers: [{name: c, image: i}]}", "no metadata"),
            ("kind: Pod\nmetadata: {name: P_1}\nspec: {containers: [{name: c, image: i}]}", "not a DNS label"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {containers: []}", "no containers"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}", "no image"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Sometimes, containers: [{name: c, image: i}]}", "restartPolicy"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}, {name: c, image: i}]}", "two containers"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, resources: {limits: {memory: 12Qi}}}]}", "bad quantity"),
            ("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, command: 3}]}", "invalid type"),
            ("{", "did not find expected node"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: `{err}` lacks `{want}`");
        }
    }

    #[test]
    fn quantities() {
        for (q, bytes) in [
            ("1", 1),
            ("128974848", 128974848),
            ("129e6", 129_000_000),
            ("129M", 129_000_000),
            ("123Mi", 123 << 20),
            ("0.5Gi", 512 << 20),
            ("1k", 1000),
            ("1Ki", 1024),
            ("1.5", 2),
        ] {
            assert_eq!(parse_quantity(q), Ok(bytes), "{q}");
        }
        for q in ["", "Mi", "1.2.3", "1 Mi", "-1", "0", "1m", "1Zi", ".", "1e999"] {
            assert!(parse_quantity(q).is_err(), "{q}");
        }
    }

    #[test]
    fn restart_policies() {
        assert!(Restart::Always.again(0) && Restart::Always.again(1));
        assert!(!Restart::OnFailure.again(0) && Restart::OnFailure.again(2));
        assert!(!Restart::Never.again(0) && !Restart::Never.again(1));
    }
}
