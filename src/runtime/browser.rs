//! Opening a web page in the learner's browser, when there is one.

/// Open a URL in the user's browser when there is a display; say what happened.
pub fn open(url: &str) -> Result<String, String> {
    let display = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !display || url.starts_with("terminal:") {
        return Err(format!("{url}: no browser here (y copies it)"));
    }
    let candidates: Vec<String> = std::env::var("BROWSER")
        .ok()
        .into_iter()
        .chain(["xdg-open".to_string(), "open".to_string()])
        .collect();
    for c in candidates {
        let spawned = std::process::Command::new(&c)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return Ok(format!("opened {url} in your browser"));
        }
    }
    Err(format!("{url}: no browser found (y copies it)"))
}
