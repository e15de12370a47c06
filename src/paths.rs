//! One policy for every path that comes from workshop content: a page to
//! show, a file to edit or download, an upload's target, a service's folder
//! and files, an examiner script. A content path stays inside the folder it
//! belongs to: no absolute paths, no `..`, no symlink that leads out.

use std::path::{Component, Path, PathBuf};

/// A single name (a file or folder, no separators): `download: notes.txt`,
/// a service's name, an examiner test's name.
pub fn plain_name(name: &str) -> Result<&str, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("the name is empty".into());
    }
    if n == "." || n == ".." || n.contains(['/', '\\', '\0']) {
        return Err(format!(
            "`{name}` must be a plain name, without `/` or `..`"
        ));
    }
    Ok(n)
}

/// `rel` resolved below `base`, refused when it is absolute, climbs with
/// `..` or reaches out of `base` through a symlink.
pub fn within(base: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel.trim());
    if rel.trim().is_empty() {
        return Err("the path is empty".into());
    }
    if p.is_absolute() {
        return Err(format!(
            "`{rel}` is absolute; give a path inside {}",
            base.display()
        ));
    }
    if rel.contains('\0') {
        return Err(format!("`{}` holds a NUL byte", rel.escape_debug()));
    }
    let mut out = base.to_path_buf();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "`{rel}` climbs out with `..`; give a path inside {}",
                    base.display()
                ))
            }
        }
    }
    stays_inside(base, &out).map(|()| out).map_err(|real| {
        format!(
            "`{rel}` leads out of {} through a symlink (to {})",
            base.display(),
            real.display()
        )
    })
}

/// Whether `path` (below `base` as written) is still below `base` once the
/// symlinks of its existing part are followed. `Err` holds where it leads.
fn stays_inside(base: &Path, path: &Path) -> Result<(), PathBuf> {
    let base_real = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let real = real_path(path);
    if real.starts_with(&base_real) {
        Ok(())
    } else {
        Err(real)
    }
}

/// `path` with the symlinks of its deepest existing ancestor resolved.
fn real_path(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(&existing).is_err() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        real.push(name);
    }
    real
}

/// A path a lesson gives for the learner's files (`~/x`, `$HOME/x`, relative
/// to `exercises/`, or absolute), refused when it leaves the workshop's
/// folder `home`, unless the learner allowed that (`--allow-outside-files`).
pub fn learner_path(
    home: &Path,
    exercises: &Path,
    path: &str,
    allow_outside: bool,
) -> Result<PathBuf, String> {
    let p = path.trim();
    let raw = if let Some(rest) = p
        .strip_prefix("~/")
        .or_else(|| p.strip_prefix("$HOME/"))
        .or_else(|| p.strip_prefix("${HOME}/"))
    {
        home.join(rest)
    } else if p == "~" || p == "$HOME" {
        home.to_path_buf()
    } else if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        exercises.join(p)
    };
    let mut clean = PathBuf::new();
    for c in raw.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    if allow_outside {
        return Ok(clean);
    }
    match stays_inside(home, &clean) {
        Ok(()) => Ok(clean),
        Err(_) => Err(format!(
            "`{path}` is outside the workshop's files ({}); start lectern with --allow-outside-files to permit it",
            home.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_relative_paths_stay_inside() {
        assert_eq!(plain_name(" notes.txt "), Ok("notes.txt"));
        for bad in ["", "..", "a/b", "../x", "a\\b"] {
            assert!(plain_name(bad).is_err(), "{bad}");
        }
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base");
        std::fs::create_dir_all(base.join("sub")).unwrap();
        assert_eq!(within(&base, "sub/x.yml").unwrap(), base.join("sub/x.yml"));
        assert_eq!(within(&base, "./y").unwrap(), base.join("y"));
        for bad in ["/etc/passwd", "../x", "sub/../../x", ""] {
            assert!(within(&base, bad).is_err(), "{bad}");
        }
        std::os::unix::fs::symlink("/etc", base.join("out")).unwrap();
        assert!(within(&base, "out/passwd").unwrap_err().contains("symlink"));
        std::os::unix::fs::symlink(base.join("sub"), base.join("in")).unwrap();
        assert!(within(&base, "in/x").is_ok());
    }

    #[test]
    fn learner_paths_are_confined() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("ws");
        let ex = home.join("exercises");
        std::fs::create_dir_all(&ex).unwrap();
        assert!(learner_path(&home, &ex, "~/exercises/a.py", false).is_ok());
        assert_eq!(
            learner_path(&home, &ex, "a.py", false).unwrap(),
            ex.join("a.py")
        );
        assert!(learner_path(&home, &ex, "../../etc/passwd", false).is_err());
        assert!(learner_path(&home, &ex, "/etc/passwd", false).is_err());
        std::os::unix::fs::symlink("/etc", ex.join("link")).unwrap();
        assert!(learner_path(&home, &ex, "link/passwd", false).is_err());
        assert!(learner_path(&home, &ex, "/etc/passwd", true).is_ok());
    }
}
