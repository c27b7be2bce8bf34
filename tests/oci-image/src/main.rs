//! `oci-image`: packs static programs into a one-image OCI image-layout
//! archive (a tar of `oci-layout`, `index.json` and `blobs/sha256/…`), what
//! `ctr -n k8s.io images import FILE` reads. kiOS builds its pause (sandbox)
//! image and the test pods' image with it, from programs of its own, so a
//! node needs no registry.
//!
//!     oci-image --out FILE --name REF --arch amd64|arm64 --entrypoint PATH
//!               --file DEST=SRC [--file DEST=SRC...] [--env NAME=VALUE...]
//!
//! One uncompressed layer holds each SRC at DEST (mode 0755, owner 0:0);
//! the image config has the entrypoint, the environment and the platform;
//! `index.json` names the manifest by `io.containerd.image.name` (REF, e.g.
//! `localhost/kios/pause:1`) and `org.opencontainers.image.ref.name` (its
//! tag). Reproducible: no timestamps (every mtime 0), entries in a fixed
//! order, so the same inputs give the same bytes and digests.
//!
//! References: the OCI image spec's image layout, manifest, config and
//! index (https://github.com/opencontainers/image-spec).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::ExitCode;

const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// What the command line asks for.
struct Request {
    out: PathBuf,
    name: String,
    arch: String,
    entrypoint: String,
    files: Vec<(String, PathBuf)>,
    env: Vec<String>,
}

fn usage() -> String {
    "usage: oci-image --out FILE --name REF --arch amd64|arm64 --entrypoint PATH --file DEST=SRC [--file DEST=SRC...] [--env NAME=VALUE...]".into()
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Request, String> {
    let (mut out, mut name, mut arch, mut entrypoint) = (None, None, None, None);
    let (mut files, mut env) = (Vec::new(), Vec::new());
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--name" => name = Some(value),
            "--arch" => arch = Some(value),
            "--entrypoint" => entrypoint = Some(value),
            "--env" if value.contains('=') => env.push(value),
            "--file" => {
                let (dest, src) = value.split_once('=').ok_or_else(|| format!("--file {value}: not DEST=SRC"))?;
                let dest = dest.trim_start_matches('/');
                if dest.is_empty() || dest.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
                    return Err(format!("--file {value}: DEST must be a plain path"));
                }
                files.push((dest.to_string(), PathBuf::from(src)));
            }
            _ => return Err(format!("unknown or bad argument {flag} {value}\n{}", usage())),
        }
    }
    let arch = arch.ok_or_else(usage)?;
    let arch = match arch.as_str() {
        "amd64" | "x86_64" => "amd64",
        "arm64" | "aarch64" => "arm64",
        _ => return Err(format!("--arch {arch}: amd64 or arm64")),
    };
    let name = name.ok_or_else(usage)?;
    if !name.contains('/') || tag(&name).is_none() {
        return Err(format!("--name {name}: a full reference with a tag, e.g. localhost/kios/pause:1"));
    }
    if files.is_empty() {
        return Err(usage());
    }
    files.sort();
    Ok(Request { out: out.ok_or_else(usage)?, name, arch: arch.into(), entrypoint: entrypoint.ok_or_else(usage)?, files, env })
}

/// The tag of a reference (after the last `:` of its last path component).
fn tag(reference: &str) -> Option<&str> {
    let last = reference.rsplit('/').next()?;
    last.split_once(':').map(|(_, t)| t).filter(|t| !t.is_empty())
}

/// `sha256:HEX` of `bytes`.
fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A tar header for a regular file or directory: owner 0:0, mtime 0.
fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}

/// The layer: every file at its place, parents first, as a tar.
fn layer(files: &[(String, PathBuf)]) -> Result<Vec<u8>, String> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut dirs: Vec<String> = Vec::new();
    for (dest, src) in files {
        let bytes = std::fs::read(src).map_err(|e| format!("{}: {e}", src.display()))?;
        let parts: Vec<&str> = dest.split('/').collect();
        for depth in 1..parts.len() {
            let dir = format!("{}/", parts[..depth].join("/"));
            if !dirs.contains(&dir) {
                let mut h = header(tar::EntryType::Directory, 0o755, 0);
                tar.append_data(&mut h, &dir, std::io::empty()).map_err(|e| e.to_string())?;
                dirs.push(dir);
            }
        }
        let mut h = header(tar::EntryType::Regular, 0o755, bytes.len() as u64);
        tar.append_data(&mut h, dest, bytes.as_slice()).map_err(|e| e.to_string())?;
    }
    tar.into_inner().map_err(|e| e.to_string())
}

/// A descriptor of `bytes` as `media_type`.
fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({ "mediaType": media_type, "digest": digest(bytes), "size": bytes.len() })
}

fn build(request: &Request) -> Result<Vec<u8>, String> {
    let layer = layer(&request.files)?;
    let config = serde_json::to_vec(&json!({
        "architecture": request.arch,
        "os": "linux",
        "config": {
            "Entrypoint": [request.entrypoint],
            "Env": request.env,
            "WorkingDir": "/",
        },
        "rootfs": { "type": "layers", "diff_ids": [digest(&layer)] },
        "history": [{ "created_by": "kiOS tests/oci-image", "comment": request.name }],
    }))
    .map_err(|e| e.to_string())?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": descriptor(CONFIG, &config),
        "layers": [descriptor(LAYER, &layer)],
    }))
    .map_err(|e| e.to_string())?;
    let mut entry = descriptor(MANIFEST, &manifest);
    entry["platform"] = json!({ "architecture": request.arch, "os": "linux" });
    entry["annotations"] = json!({
        "io.containerd.image.name": request.name,
        "org.opencontainers.image.ref.name": tag(&request.name),
    });
    let index = serde_json::to_vec(&json!({ "schemaVersion": 2, "mediaType": INDEX, "manifests": [entry] }))
        .map_err(|e| e.to_string())?;
    let layout = serde_json::to_vec(&json!({ "imageLayoutVersion": "1.0.0" })).map_err(|e| e.to_string())?;

    let mut tar = tar::Builder::new(Vec::new());
    let add_dir = |tar: &mut tar::Builder<Vec<u8>>, path: &str| {
        let mut h = header(tar::EntryType::Directory, 0o755, 0);
        tar.append_data(&mut h, path, std::io::empty()).map_err(|e| e.to_string())
    };
    let add_file = |tar: &mut tar::Builder<Vec<u8>>, path: &str, bytes: &[u8]| {
        let mut h = header(tar::EntryType::Regular, 0o644, bytes.len() as u64);
        tar.append_data(&mut h, path, bytes).map_err(|e| e.to_string())
    };
    add_file(&mut tar, "oci-layout", &layout)?;
    add_file(&mut tar, "index.json", &index)?;
    add_dir(&mut tar, "blobs/")?;
    add_dir(&mut tar, "blobs/sha256/")?;
    let mut blobs = [&layer, &config, &manifest];
    blobs.sort_by_key(|b| digest(b));
    for blob in blobs {
        let name = format!("blobs/sha256/{}", &digest(blob)["sha256:".len()..]);
        add_file(&mut tar, &name, blob)?;
    }
    tar.into_inner().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let result = parse(std::env::args().skip(1)).and_then(|request| {
        let archive = build(&request)?;
        let tmp = request.out.with_extension("tmp");
        std::fs::write(&tmp, &archive).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &request.out).map_err(|e| format!("{}: {e}", request.out.display()))?;
        eprintln!("oci-image: {} ({}) in {}, {} bytes", request.name, request.arch, request.out.display(), archive.len());
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oci-image: {e}");
            ExitCode::from(2)
        }
    }
}
