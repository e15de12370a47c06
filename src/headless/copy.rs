//! The temporary copy `lectern test` runs in, so that lessons that edit
//! files leave the workshop as it was.

use std::path::Path;

/// Copy what a workshop consists of into `to`, a folder below `base`; leave
/// out environments and build output.
pub fn copy_workshop(from: &Path, base: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    // Programs the lesson starts (e.g. Apache dropping to `nobody`) must read
    // it: every folder from `base` down to the copy.
    for dir in to.ancestors().take_while(|d| d.starts_with(base)) {
        set_mode(dir, 0o755)?;
    }
    for part in ["workshop", "exercises", "resources", "assets", "bin"] {
        let src = from.join(part);
        if src.is_dir() {
            copy_tree(&src, &to.join(part))?;
        }
    }
    // Files at the top (such as a compose service's `./prometheus.yml`),
    // not the folders of other tools beside the workshop.
    for e in std::fs::read_dir(from)?.flatten() {
        if e.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name();
        if [
            ".venv",
            "venv",
            "__pycache__",
            ".git",
            "target",
            "node_modules",
        ]
        .iter()
        .any(|s| name == *s)
        {
            continue;
        }
        let ft = e.file_type()?;
        let dest = to.join(&name);
        if ft.is_dir() {
            copy_tree(&e.path(), &dest)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path())?, &dest)?;
        } else {
            std::fs::copy(e.path(), &dest)?;
        }
    }
    Ok(())
}
