//! Copying the workshop's folders into the export: files as they are (modes
//! kept), symlinks only when they point inside the workshop (their target is
//! copied), and local leftovers such as a Python environment left out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ExportError;

/// Names never copied: version control and what running the workshop makes.
fn is_leftover(name: &str) -> bool {
    matches!(name, ".git" | ".venv" | "__pycache__") || name.ends_with(".pyc")
}

#[derive(Debug, Default)]
pub struct Copied {
    pub files: usize,
    /// Left out, relative to the workshop root.
    pub skipped: Vec<String>,
}

/// Copy `root/rel` to `out/rel`. `root` is canonical.
pub fn copy_folder(
    root: &Path,
    rel: &str,
    out: &Path,
    copied: &mut Copied,
) -> Result<(), ExportError> {
    inside(root, &root.join(rel))?;
    let mut seen = HashSet::new();
    walk(
        root,
        &root.join(rel),
        &out.join(rel),
        rel,
        &mut seen,
        copied,
    )
}

/// Refuse a path of the workshop that leads outside it (through a symlink).
pub fn inside(root: &Path, path: &Path) -> Result<(), ExportError> {
    let real = path.canonicalize().map_err(|_| ExportError::Content {
        file: path.to_path_buf(),
        message: "this path leads nowhere (a broken symlink?)".into(),
        help: "remove it, or make it point at a file of the workshop".into(),
    })?;
    if real.starts_with(root) {
        Ok(())
    } else {
        Err(ExportError::Content {
            file: path.to_path_buf(),
            message: format!(
                "this symlink points outside the workshop ({})",
                real.display()
            ),
            help: "put the file itself in the workshop instead of a link to it".into(),
        })
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn walk(
    root: &Path,
    from: &Path,
    to: &Path,
    rel: &str,
    seen: &mut HashSet<PathBuf>,
    copied: &mut Copied,
) -> Result<(), ExportError> {
    let real = from.canonicalize().map_err(io(from))?;
    if !seen.insert(real) {
        // A symlinked folder seen before: copying it again would never end.
        copied
            .skipped
            .push(format!("{rel} (a link back to a folder already copied)"));
        return Ok(());
    }
    std::fs::create_dir_all(to).map_err(io(to))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(io(from))?
        .collect::<Result<_, _>>()
        .map_err(io(from))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name_text = name.to_string_lossy().into_owned();
        let path = e.path();
        let rel_child = format!("{rel}/{name_text}");
        if is_leftover(&name_text) {
            copied.skipped.push(rel_child);
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let target_meta = if meta.file_type().is_symlink() {
            inside(root, &path)?;
            std::fs::metadata(&path).map_err(io(&path))?
        } else {
            meta
        };
        let dest = to.join(&name);
        if target_meta.is_dir() {
            walk(root, &path, &dest, &rel_child, seen, copied)?;
        } else if target_meta.is_file() {
            std::fs::copy(&path, &dest).map_err(io(&dest))?;
            copied.files += 1;
        } else {
            copied
                .skipped
                .push(format!("{rel_child} (not a regular file)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_files_and_refuses_links_out() {
        let src = tempfile::tempdir().unwrap();
        let root = src.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("ex/.venv/bin")).unwrap();
        std::fs::create_dir_all(root.join("ex/sub")).unwrap();
        std::fs::write(root.join("ex/sub/a.py"), "print(1)\n").unwrap();
        std::fs::write(root.join("ex/a.pyc"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("ex/sub/a.py"), root.join("ex/link.py")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let mut c = Copied::default();
        copy_folder(&root, "ex", out.path(), &mut c).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.path().join("ex/sub/a.py")).unwrap(),
            "print(1)\n"
        );
        assert!(!out.path().join("ex/.venv").exists());
        assert!(
            c.skipped.contains(&"ex/.venv".to_string()),
            "{:?}",
            c.skipped
        );
        #[cfg(unix)]
        {
            assert!(out.path().join("ex/link.py").is_file());
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("secret"), "s").unwrap();
            std::os::unix::fs::symlink(outside.path().join("secret"), root.join("ex/secret"))
                .unwrap();
            let out2 = tempfile::tempdir().unwrap();
            let e = copy_folder(&root, "ex", out2.path(), &mut Copied::default()).unwrap_err();
            assert!(e.to_string().contains("outside the workshop"), "{e}");
        }
    }
}
