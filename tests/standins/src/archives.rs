//! OCI image archives (an OCI image layout in a tar file, as `ctr images
//! import` reads it): the image names one holds, read from its
//! `index.json` without unpacking anything else.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The annotation `ctr images import` names an image by.
const NAME_ANNOTATION: &str = "io.containerd.image.name";

/// The image names in `index.json` (its `manifests[].annotations`), in
/// order; an entry without the containerd annotation is an error, since
/// ctr would import it under a name nobody asks for.
pub fn names_in_index(index: &[u8]) -> Result<Vec<String>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(index).map_err(|e| format!("index.json: {e}"))?;
    let manifests = v
        .get("manifests")
        .and_then(|m| m.as_array())
        .ok_or("index.json: no manifests")?;
    let mut names = Vec::new();
    for (i, m) in manifests.iter().enumerate() {
        let name = m
            .get("annotations")
            .and_then(|a| a.get(NAME_ANNOTATION))
            .and_then(|n| n.as_str())
            .ok_or_else(|| format!("index.json: manifest {i} has no {NAME_ANNOTATION}"))?;
        names.push(name.to_string());
    }
    if names.is_empty() {
        return Err("index.json: no manifests".into());
    }
    Ok(names)
}

/// The image names the archive `path` holds.
pub fn names(path: &Path) -> Result<Vec<String>, String> {
    let file = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let entry_path = entry.path().map_err(|e| e.to_string())?.into_owned();
        if entry_path.components().eq(Path::new("index.json").components()) {
            let mut index = Vec::new();
            entry.read_to_end(&mut index).map_err(|e| e.to_string())?;
            return names_in_index(&index);
        }
    }
    Err("no index.json".into())
}

/// The `*.tar` files of each directory in `dirs` (a missing directory has
/// none), sorted by name within each directory.
pub fn find(dirs: &[String]) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tar") && p.is_file())
            .collect();
        found.sort();
        all.extend(found);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let path = dir.join(name);
        let mut b = tar::Builder::new(fs::File::create(&path).unwrap());
        for (file, text) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, file, text.as_bytes()).unwrap();
        }
        b.finish().unwrap();
        path
    }

    #[test]
    fn reads_names() {
        let dir = std::env::temp_dir().join(format!("archives-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let index = r#"{"schemaVersion":2,"manifests":[
            {"digest":"sha256:aa","annotations":{"io.containerd.image.name":"localhost/kios/pause:1"}},
            {"digest":"sha256:bb","annotations":{"io.containerd.image.name":"localhost/kios/pod:1","org.opencontainers.image.ref.name":"1"}}]}"#;
        let a = archive(&dir, "b.tar", &[("oci-layout", "{}"), ("./index.json", index)]);
        assert_eq!(names(&a).unwrap(), ["localhost/kios/pause:1", "localhost/kios/pod:1"]);
        let none = archive(&dir, "a.tar", &[("oci-layout", "{}")]);
        assert_eq!(names(&none).unwrap_err(), "no index.json");
        fs::write(dir.join("c.txt"), "").unwrap();
        assert_eq!(find(&[dir.display().to_string(), "/nonexistent".into()]), [none, a]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn index_errors() {
        assert!(names_in_index(b"{").unwrap_err().starts_with("index.json:"));
        assert!(names_in_index(br#"{"manifests":[]}"#).unwrap_err().contains("no manifests"));
        let unnamed = br#"{"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"1"}}]}"#;
        assert!(names_in_index(unnamed).unwrap_err().contains("manifest 0 has no io.containerd.image.name"));
    }
}
