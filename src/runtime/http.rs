//! The little HTTP lectern speaks: readiness checks, service set-up steps and
//! datasource queries, all to servers on this machine. Blocking, with timeouts;
//! callers run it off the UI thread.

use std::time::Duration;

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET a URL: the status and body, or why there is none.
pub fn get(url: &str, timeout: Duration) -> Result<(u16, String), String> {
    let mut resp = agent(timeout).get(url).call().map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// POST a form.
pub fn post_form(
    url: &str,
    form: &[(String, String)],
    timeout: Duration,
) -> Result<(u16, String), String> {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut resp = agent(timeout)
        .post(url)
        .send_form(pairs)
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Whether a URL answers with a 2xx status.
pub fn is_up(url: &str) -> bool {
    matches!(get(url, Duration::from_secs(2)), Ok((s, _)) if (200..300).contains(&s))
}
