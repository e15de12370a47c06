//! What lectern's Grafana HTTP API holds: datasources and dashboards as
//! set-up scripts posted them, with Grafana's ids, uids and versions, and the
//! answers Grafana 7–10 gives (`/api/datasources`, `/api/dashboards/db`,
//! `/api/dashboards/uid/:uid`, `/api/search`). Pure: request JSON in, answer
//! JSON or a typed error out; the caller brings the time and keeps the file.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Bounds that keep a runaway script from filling memory and the state folder.
pub const MAX_DASHBOARDS: usize = 500;
pub const MAX_DATASOURCES: usize = 100;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Why a request was refused, with the status Grafana answers it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    BadRequest(String),
    NotFound(String),
    Conflict(String),
    /// 412, with Grafana's `status` word (`version-mismatch`, `name-exists`).
    Precondition {
        message: String,
        status: &'static str,
    },
    TooLarge(String),
}

impl ApiError {
    pub fn http_status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::Precondition { .. } => 412,
            ApiError::TooLarge(_) => 413,
        }
    }

    /// Grafana's error body: `{"message": ...}` (plus `status` for a 412).
    pub fn body(&self) -> Value {
        match self {
            ApiError::Precondition { message, status } => {
                json!({"message": message, "status": status})
            }
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::TooLarge(m) => json!({ "message": m }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Datasource {
    pub id: u64,
    pub uid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    /// The object as posted, secrets included (never sent back).
    pub json: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub id: u64,
    pub uid: String,
    pub title: String,
    pub version: u64,
    pub folder_id: i64,
    pub folder_uid: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The dashboard model with `id`, `uid` and `version` set.
    pub json: Value,
    /// Its size as JSON, counted against MAX_BYTES.
    #[serde(default)]
    pub size: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GrafanaStore {
    #[serde(default)]
    last_datasource_id: u64,
    #[serde(default)]
    last_dashboard_id: u64,
    #[serde(default)]
    pub datasources: Vec<Datasource>,
    #[serde(default)]
    pub dashboards: Vec<Dashboard>,
}

/// Which datasource a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsKey<'a> {
    Id(u64),
    Name(&'a str),
    Uid(&'a str),
}

const NOT_FOUND_DS: &str = "Data source not found";
const NOT_FOUND_DASH: &str = "Dashboard not found";

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::BadRequest(m.into())
}

/// Grafana's uid rule: at most 40 of `a-z A-Z 0-9 - _`.
fn check_uid(uid: &str) -> Result<(), ApiError> {
    if uid.len() > 40 {
        return Err(bad("uid too long, max 40 characters"));
    }
    if !uid
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad("uid contains illegal characters"));
    }
    Ok(())
}

/// A uid given as a non-empty string; null, missing or "" mean none.
fn given_uid(v: &Value) -> Result<Option<String>, ApiError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => check_uid(s).map(|()| Some(s.clone())),
        _ => Err(bad("uid must be a string")),
    }
}

/// Grafana's slug of a title: lower case words joined by `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Unix ms as RFC 3339 UTC (what Grafana's `meta.created` looks like).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn secrets(v: &Value) -> Map<String, Value> {
    v["secureJsonData"]
        .as_object()
        .map(|m| m.keys().map(|k| (k.clone(), Value::Bool(true))).collect())
        .unwrap_or_default()
}

/// Replace `from` with `to` in every string of `v`.
fn fill(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(a) => a.iter_mut().for_each(|x| fill(x, from, to)),
        Value::Object(m) => m.values_mut().for_each(|x| fill(x, from, to)),
        _ => {}
    }
}

impl GrafanaStore {
    /// A short uid no dashboard or datasource has (Grafana makes 9-14
    /// characters); derived from `seed` so the model needs no randomness.
    fn new_uid(&self, seed: &str, now_ms: i64) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut h = fnv(seed.as_bytes(), 0xcbf2_9ce4_8422_2325);
        h = fnv(&now_ms.to_le_bytes(), h);
        loop {
            let mut n = h;
            let uid: String = (0..9)
                .map(|_| {
                    let c = ALPHABET[(n % 62) as usize] as char;
                    n /= 62;
                    c
                })
                .collect();
            let taken = self.dashboards.iter().any(|d| d.uid == uid)
                || self.datasources.iter().any(|d| d.uid == uid);
            if !taken {
                return uid;
            }
            h = fnv(b"+", h);
        }
    }

    fn bytes(&self) -> usize {
        self.dashboards.iter().map(|d| d.size).sum::<usize>()
            + self
                .datasources
                .iter()
                .map(|d| d.json.to_string().len())
                .sum::<usize>()
    }

    fn ds_index(&self, key: DsKey) -> Option<usize> {
        self.datasources.iter().position(|d| match key {
            DsKey::Id(id) => d.id == id,
            DsKey::Name(n) => d.name == n,
            DsKey::Uid(u) => d.uid == u,
        })
    }

    /// A datasource as Grafana shows it: its fields with Grafana's defaults,
    /// secrets replaced by `secureJsonFields`.
    fn ds_view(d: &Datasource) -> Value {
        let mut out = json!({
            "id": d.id, "uid": d.uid, "orgId": 1, "name": d.name, "type": d.kind,
            "typeLogoUrl": "", "access": "proxy", "url": "", "user": "", "database": "",
            "basicAuth": false, "basicAuthUser": "", "withCredentials": false,
            "isDefault": false, "jsonData": {}, "readOnly": false,
        });
        if let (Some(o), Some(posted)) = (out.as_object_mut(), d.json.as_object()) {
            for (k, v) in posted {
                if !matches!(
                    k.as_str(),
                    "secureJsonData" | "password" | "basicAuthPassword"
                ) {
                    o.insert(k.clone(), v.clone());
                }
            }
            o.insert("id".into(), json!(d.id));
            o.insert("uid".into(), json!(d.uid));
            o.insert("version".into(), json!(d.version));
            o.insert("secureJsonFields".into(), Value::Object(secrets(&d.json)));
        }
        out
    }

    /// Name and type of a datasource body, or why it has none.
    fn ds_fields(body: &Value) -> Result<(String, String), ApiError> {
        if !body.is_object() {
            return Err(bad("bad request data: a datasource is a JSON object"));
        }
        let name = body["name"].as_str().unwrap_or("").trim();
        let kind = body["type"].as_str().unwrap_or("").trim();
        if name.is_empty() || kind.is_empty() {
            return Err(bad(
                "bad request data: a datasource needs `name` and `type`",
            ));
        }
        Ok((name.to_string(), kind.to_string()))
    }

    /// Only one datasource is the default.
    fn take_default(&mut self, keep: u64, body: &Value) {
        if body["isDefault"] == Value::Bool(true) {
            for d in &mut self.datasources {
                if d.id != keep {
                    if let Some(o) = d.json.as_object_mut() {
                        o.insert("isDefault".into(), Value::Bool(false));
                    }
                }
            }
        }
    }

    /// `POST /api/datasources`.
    pub fn create_datasource(&mut self, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
        let (name, kind) = Self::ds_fields(body)?;
        let uid = given_uid(&body["uid"])?;
        if self.datasources.iter().any(|d| d.name == name) {
            return Err(ApiError::Conflict(
                "data source with the same name already exists".into(),
            ));
        }
        if let Some(u) = &uid {
            if self.datasources.iter().any(|d| &d.uid == u) {
                return Err(ApiError::Conflict(
                    "data source with the same uid already exists".into(),
                ));
            }
        }
        if self.datasources.len() >= MAX_DATASOURCES {
            return Err(bad(format!(
                "lectern keeps at most {MAX_DATASOURCES} datasources"
            )));
        }
        if self.bytes() + body.to_string().len() > MAX_BYTES {
            return Err(ApiError::TooLarge(format!(
                "lectern keeps at most {} MiB of dashboards and datasources",
                MAX_BYTES >> 20
            )));
        }
        self.last_datasource_id += 1;
        let id = self.last_datasource_id;
        let uid = uid.unwrap_or_else(|| self.new_uid(&name, now_ms));
        self.take_default(id, body);
        let d = Datasource {
            id,
            uid,
            name: name.clone(),
            kind,
            version: 1,
            json: body.clone(),
        };
        let view = Self::ds_view(&d);
        self.datasources.push(d);
        Ok(json!({"datasource": view, "id": id, "message": "Datasource added", "name": name}))
    }

    /// `GET /api/datasources`.
    pub fn list_datasources(&self) -> Value {
        Value::Array(self.datasources.iter().map(Self::ds_view).collect())
    }

    /// `GET /api/datasources/:id`, `/name/:name`, `/uid/:uid`.
    pub fn get_datasource(&self, key: DsKey) -> Result<Value, ApiError> {
        self.ds_index(key)
            .map(|i| Self::ds_view(&self.datasources[i]))
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DS.into()))
    }

    /// `PUT /api/datasources/:id` (or `/uid/:uid`): the body replaces the
    /// datasource; secrets not sent again are kept, as Grafana keeps them.
    pub fn update_datasource(&mut self, key: DsKey, body: &Value) -> Result<Value, ApiError> {
        let i = self
            .ds_index(key)
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DS.into()))?;
        let (name, kind) = Self::ds_fields(body)?;
        let id = self.datasources[i].id;
        if self
            .datasources
            .iter()
            .any(|d| d.id != id && d.name == name)
        {
            return Err(ApiError::Conflict(
                "data source with the same name already exists".into(),
            ));
        }
        let uid = match given_uid(&body["uid"])? {
            Some(u) if self.datasources.iter().any(|d| d.id != id && d.uid == u) => {
                return Err(ApiError::Conflict(
                    "data source with the same uid already exists".into(),
                ))
            }
            Some(u) => u,
            None => self.datasources[i].uid.clone(),
        };
        if let Some(v) = body["version"].as_u64() {
            if v < self.datasources[i].version {
                return Err(ApiError::Conflict(
                    "Datasource has already been updated by someone else. Please reload and try again".into(),
                ));
            }
        }
        let mut json = body.clone();
        if let (Some(old), Some(new)) = (
            self.datasources[i].json["secureJsonData"].as_object(),
            json.as_object_mut(),
        ) {
            let mut merged = old.clone();
            if let Some(given) = new.get("secureJsonData").and_then(Value::as_object) {
                merged.extend(given.clone());
            }
            new.insert("secureJsonData".into(), Value::Object(merged));
        }
        self.take_default(id, body);
        let d = &mut self.datasources[i];
        d.name = name.clone();
        d.kind = kind;
        d.uid = uid;
        d.version += 1;
        d.json = json;
        let view = Self::ds_view(d);
        Ok(json!({"datasource": view, "id": id, "message": "Datasource updated", "name": name}))
    }

    /// `DELETE /api/datasources/:id`, `/name/:name`, `/uid/:uid`.
    pub fn delete_datasource(&mut self, key: DsKey) -> Result<Value, ApiError> {
        let i = self
            .ds_index(key)
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DS.into()))?;
        let d = self.datasources.remove(i);
        Ok(json!({"id": d.id, "message": "Data source deleted"}))
    }

    /// The name of the datasource a dashboard refers to by uid or by name.
    pub fn datasource_name(&self, reference: &str) -> Option<&str> {
        self.datasources
            .iter()
            .find(|d| d.uid == reference)
            .or_else(|| {
                self.datasources
                    .iter()
                    .find(|d| d.name.eq_ignore_ascii_case(reference))
            })
            .map(|d| d.name.as_str())
    }

    /// `POST /api/dashboards/db`: create, or update by uid (or id). Without
    /// `overwrite`, the posted `version` must be the stored one (412 otherwise),
    /// and the title must be free in its folder.
    pub fn save_dashboard(&mut self, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
        let dash = body
            .get("dashboard")
            .filter(|d| d.is_object())
            .ok_or_else(|| bad("bad request data: `dashboard` must be a JSON object"))?;
        let title = dash["title"].as_str().unwrap_or("").trim().to_string();
        if title.is_empty() {
            return Err(bad("Dashboard title cannot be empty"));
        }
        let overwrite = body["overwrite"].as_bool().unwrap_or(false);
        let folder_id = body["folderId"].as_i64().unwrap_or(0);
        let folder_uid = body["folderUid"].as_str().unwrap_or("").to_string();
        let uid = given_uid(&dash["uid"])?;
        let posted_id = dash["id"].as_u64().filter(|i| *i > 0);
        let existing = match (&uid, posted_id) {
            (Some(u), _) => {
                let i = self.dashboards.iter().position(|d| &d.uid == u);
                if let (Some(i), Some(pid)) = (i, posted_id) {
                    if self.dashboards[i].id != pid {
                        return Err(bad("A dashboard with the same uid already exists"));
                    }
                }
                i
            }
            (None, Some(pid)) => Some(
                self.dashboards
                    .iter()
                    .position(|d| d.id == pid)
                    .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DASH.into()))?,
            ),
            (None, None) => None,
        };
        if let Some(i) = existing {
            let posted_version = dash["version"].as_u64().unwrap_or(0);
            if !overwrite && posted_version != self.dashboards[i].version {
                return Err(ApiError::Precondition {
                    message: "The dashboard has been changed by someone else".into(),
                    status: "version-mismatch",
                });
            }
        }
        let own_id = existing.map(|i| self.dashboards[i].id);
        let same_title = self.dashboards.iter().position(|d| {
            Some(d.id) != own_id
                && d.folder_id == folder_id
                && d.folder_uid == folder_uid
                && d.title.eq_ignore_ascii_case(&title)
        });
        if same_title.is_some() && !overwrite {
            return Err(ApiError::Precondition {
                message: "A dashboard with the same name in the folder already exists".into(),
                status: "name-exists",
            });
        }
        if existing.is_none() && self.dashboards.len() >= MAX_DASHBOARDS {
            return Err(bad(format!(
                "lectern keeps at most {MAX_DASHBOARDS} dashboards"
            )));
        }
        let (id, uid, version, created_ms) = match existing {
            Some(i) => {
                let d = &self.dashboards[i];
                (d.id, d.uid.clone(), d.version + 1, d.created_ms)
            }
            None => (
                self.last_dashboard_id + 1,
                uid.unwrap_or_else(|| self.new_uid(&title, now_ms)),
                1,
                now_ms,
            ),
        };
        let mut json = dash.clone();
        if let Some(o) = json.as_object_mut() {
            o.insert("id".into(), json!(id));
            o.insert("uid".into(), json!(uid));
            o.insert("version".into(), json!(version));
            o.insert("title".into(), json!(title));
        }
        let size = json.to_string().len();
        let freed = existing.map_or(0, |i| self.dashboards[i].size)
            + same_title.map_or(0, |i| self.dashboards[i].size);
        if self.bytes() - freed + size > MAX_BYTES {
            return Err(ApiError::TooLarge(format!(
                "lectern keeps at most {} MiB of dashboards and datasources",
                MAX_BYTES >> 20
            )));
        }
        let stored = Dashboard {
            id,
            uid: uid.clone(),
            title: title.clone(),
            version,
            folder_id,
            folder_uid,
            created_ms,
            updated_ms: now_ms,
            json,
            size,
        };
        match existing {
            Some(i) => self.dashboards[i] = stored,
            None => {
                self.last_dashboard_id = id;
                self.dashboards.push(stored);
            }
        }
        // With `overwrite`, the other dashboard of that title gives way; unlike
        // Grafana (which hands its uid to the new one) the posted uid is kept,
        // since lessons open dashboards by the uid their scripts post.
        if let Some(i) = same_title {
            self.dashboards.remove(i);
        }
        let slug = slug(&title);
        Ok(json!({
            "id": id, "uid": uid, "url": format!("/d/{uid}/{slug}"),
            "status": "success", "version": version, "slug": slug,
        }))
    }

    /// `POST /api/dashboards/import`: the `${DS_...}` placeholders of an
    /// exported dashboard filled in from `inputs`, then saved as a new one.
    pub fn import_dashboard(&mut self, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
        let mut dash = body
            .get("dashboard")
            .filter(|d| d.is_object())
            .cloned()
            .ok_or_else(|| bad("bad request data: `dashboard` must be a JSON object"))?;
        for input in body["inputs"].as_array().into_iter().flatten() {
            if let (Some(name), Some(value)) = (input["name"].as_str(), input["value"].as_str()) {
                fill(&mut dash, &format!("${{{name}}}"), value);
            }
        }
        dash["id"] = Value::Null;
        let saved = self.save_dashboard(
            &json!({"dashboard": dash, "overwrite": body["overwrite"],
                "folderId": body["folderId"], "folderUid": body["folderUid"]}),
            now_ms,
        )?;
        let d = self
            .dashboard(saved["uid"].as_str().unwrap_or(""))
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DASH.into()))?;
        Ok(json!({
            "uid": d.uid, "pluginId": "", "title": d.title, "imported": true,
            "importedUri": format!("db/{}", saved["slug"].as_str().unwrap_or("")),
            "importedUrl": saved["url"], "slug": saved["slug"], "dashboardId": d.id,
            "folderId": d.folder_id, "folderUid": d.folder_uid, "importedRevision": 1,
            "revision": 1, "description": "", "path": "", "removed": false,
        }))
    }

    /// `GET /api/dashboards/uid/:uid`.
    pub fn get_dashboard(&self, uid: &str) -> Result<Value, ApiError> {
        let d = self
            .dashboard(uid)
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DASH.into()))?;
        let slug = slug(&d.title);
        Ok(json!({
            "dashboard": d.json,
            "meta": {
                "type": "db", "canSave": true, "canEdit": true, "canAdmin": true,
                "canStar": true, "canDelete": true, "slug": slug,
                "url": format!("/d/{}/{slug}", d.uid), "expires": "0001-01-01T00:00:00Z",
                "created": rfc3339(d.created_ms), "updated": rfc3339(d.updated_ms),
                "updatedBy": "admin", "createdBy": "admin", "version": d.version,
                "hasAcl": false, "isFolder": false, "folderId": d.folder_id,
                "folderUid": d.folder_uid, "folderTitle": "General", "folderUrl": "",
                "provisioned": false, "provisionedExternalId": "",
            }
        }))
    }

    /// `DELETE /api/dashboards/uid/:uid`.
    pub fn delete_dashboard(&mut self, uid: &str) -> Result<Value, ApiError> {
        let i = self
            .dashboards
            .iter()
            .position(|d| d.uid == uid)
            .ok_or_else(|| ApiError::NotFound(NOT_FOUND_DASH.into()))?;
        let d = self.dashboards.remove(i);
        Ok(json!({
            "id": d.id, "title": d.title,
            "message": format!("Dashboard {} deleted", d.title),
        }))
    }

    /// `GET /api/search` with Grafana's `query`, `type`, `tag`,
    /// `dashboardUIDs`/`dashboardUID`, `dashboardIds` and `limit` parameters.
    /// Folders are not kept, so `type=dash-folder` finds nothing.
    pub fn search(&self, params: &[(String, String)]) -> Value {
        fn get<'a>(
            params: &'a [(String, String)],
            k: &'a str,
        ) -> impl Iterator<Item = &'a str> + 'a {
            params
                .iter()
                .filter(move |(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        }
        let query = get(params, "query").next().unwrap_or("").to_lowercase();
        let tags: Vec<&str> = get(params, "tag").collect();
        let uids: Vec<&str> = get(params, "dashboardUIDs")
            .chain(get(params, "dashboardUID"))
            .flat_map(|v| v.split(','))
            .filter(|s| !s.is_empty())
            .collect();
        let ids: Vec<u64> = get(params, "dashboardIds")
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let limit = get(params, "limit")
            .next()
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|l| *l > 0)
            .unwrap_or(1000)
            .min(5000);
        let wants_dashboards = match get(params, "type").next() {
            None | Some("") | Some("dash-db") => true,
            Some(_) => false,
        };
        let mut hits: Vec<&Dashboard> = self
            .dashboards
            .iter()
            .filter(|_| wants_dashboards)
            .filter(|d| query.is_empty() || d.title.to_lowercase().contains(&query))
            .filter(|d| uids.is_empty() || uids.contains(&d.uid.as_str()))
            .filter(|d| ids.is_empty() || ids.contains(&d.id))
            .filter(|d| {
                let has: Vec<&str> = d.json["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                tags.iter().all(|t| has.contains(t))
            })
            .collect();
        hits.sort_by_key(|d| d.title.to_lowercase());
        Value::Array(
            hits.into_iter()
                .take(limit)
                .map(|d| {
                    let slug = slug(&d.title);
                    json!({
                        "id": d.id, "uid": d.uid, "title": d.title,
                        "uri": format!("db/{slug}"), "url": format!("/d/{}/{slug}", d.uid),
                        "slug": "", "type": "dash-db",
                        "tags": d.json["tags"].as_array().cloned().unwrap_or_default(),
                        "isStarred": false, "sortMeta": 0,
                        "folderId": d.folder_id, "folderUid": d.folder_uid,
                    })
                })
                .collect(),
        )
    }

    pub fn dashboard(&self, uid: &str) -> Option<&Dashboard> {
        self.dashboards.iter().find(|d| d.uid == uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dash(body: Value) -> Value {
        json!({ "dashboard": body })
    }

    #[test]
    fn dashboards_get_ids_uids_and_versions() {
        let mut s = GrafanaStore::default();
        let a = s
            .save_dashboard(
                &dash(json!({"title": "Raw Requests", "id": null, "uid": null, "panels": []})),
                0,
            )
            .unwrap();
        assert_eq!(a["status"], "success");
        assert_eq!(a["version"], 1);
        assert_eq!(a["id"], 1);
        assert_eq!(a["slug"], "raw-requests");
        let uid = a["uid"].as_str().unwrap().to_string();
        assert_eq!(uid.len(), 9);
        assert_eq!(a["url"], format!("/d/{uid}/raw-requests"));
        // The same again without `overwrite` or the stored version: someone else's change.
        let again = dash(json!({"title": "Raw Requests", "uid": uid}));
        let e = s.save_dashboard(&again, 1).unwrap_err();
        assert_eq!(e.http_status(), 412);
        assert_eq!(e.body()["status"], "version-mismatch");
        // With the version it was given, or with overwrite, it is an update.
        let b = s
            .save_dashboard(
                &dash(json!({"title": "Raw Requests", "uid": uid, "version": 1})),
                2,
            )
            .unwrap();
        assert_eq!(
            (b["version"].as_u64(), b["id"].as_u64()),
            (Some(2), Some(1))
        );
        let mut over = again.clone();
        over["overwrite"] = json!(true);
        assert_eq!(s.save_dashboard(&over, 3).unwrap()["version"], 3);
        let got = s.get_dashboard(&uid).unwrap();
        assert_eq!(got["dashboard"]["version"], 3);
        assert_eq!(got["meta"]["created"], "1970-01-01T00:00:00Z");
        assert_eq!(s.dashboards.len(), 1);
    }

    #[test]
    fn titles_are_unique_in_a_folder_unless_overwritten() {
        let mut s = GrafanaStore::default();
        s.save_dashboard(&dash(json!({"title": "T", "uid": "a"})), 0)
            .unwrap();
        let e = s
            .save_dashboard(&dash(json!({"title": "t", "uid": "b"})), 0)
            .unwrap_err();
        assert_eq!(e.body()["status"], "name-exists");
        let mut body = dash(json!({"title": "T", "uid": "b"}));
        body["overwrite"] = json!(true);
        s.save_dashboard(&body, 0).unwrap();
        assert!(s.dashboard("a").is_none() && s.dashboard("b").is_some());
        // Another folder is another name space.
        let mut other = dash(json!({"title": "T", "uid": "c"}));
        other["folderId"] = json!(7);
        s.save_dashboard(&other, 0).unwrap();
    }

    #[test]
    fn bad_dashboards_are_refused_with_reasons() {
        let mut s = GrafanaStore::default();
        let status =
            |s: &mut GrafanaStore, v: Value| s.save_dashboard(&v, 0).unwrap_err().http_status();
        assert_eq!(status(&mut s, json!({"title": "x"})), 400);
        assert_eq!(status(&mut s, json!({"dashboard": []})), 400);
        assert_eq!(status(&mut s, dash(json!({"title": " "}))), 400);
        assert_eq!(
            status(&mut s, dash(json!({"title": "x", "uid": "a b"}))),
            400
        );
        assert_eq!(
            status(&mut s, dash(json!({"title": "x", "uid": "x".repeat(41)}))),
            400
        );
        // An id that names no dashboard: Grafana wants `id: null` to create.
        assert_eq!(status(&mut s, dash(json!({"title": "x", "id": 5}))), 404);
        assert!(s.dashboards.is_empty());
    }

    #[test]
    fn datasources_are_created_found_updated_and_deleted() {
        let mut s = GrafanaStore::default();
        let body = json!({"name": "InfluxDB", "type": "influxdb", "url": "http://127.0.0.1:8086",
            "access": "proxy", "database": "wsgi", "isDefault": true,
            "secureJsonData": {"password": "secret"}});
        let r = s.create_datasource(&body, 0).unwrap();
        assert_eq!(r["message"], "Datasource added");
        assert_eq!(r["id"], 1);
        assert_eq!(r["datasource"]["database"], "wsgi");
        assert_eq!(r["datasource"]["secureJsonFields"]["password"], true);
        assert!(!r.to_string().contains("secret"));
        let e = s.create_datasource(&body, 0).unwrap_err();
        assert_eq!(e.http_status(), 409);
        let uid = r["datasource"]["uid"].as_str().unwrap().to_string();
        assert_eq!(
            s.get_datasource(DsKey::Uid(&uid)).unwrap()["name"],
            "InfluxDB"
        );
        assert_eq!(s.datasource_name(&uid), Some("InfluxDB"));
        assert_eq!(s.datasource_name("influxdb"), Some("InfluxDB"));
        let mut changed = body.clone();
        changed["url"] = json!("http://127.0.0.1:9999");
        changed.as_object_mut().unwrap().remove("secureJsonData");
        let u = s.update_datasource(DsKey::Id(1), &changed).unwrap();
        assert_eq!(u["datasource"]["url"], "http://127.0.0.1:9999");
        assert_eq!(u["datasource"]["version"], 2);
        assert_eq!(
            s.datasources[0].json["secureJsonData"]["password"],
            "secret"
        );
        assert_eq!(
            s.get_datasource(DsKey::Name("nope"))
                .unwrap_err()
                .http_status(),
            404
        );
        assert_eq!(
            s.create_datasource(&json!({"name": "x"}), 0)
                .unwrap_err()
                .http_status(),
            400
        );
        s.delete_datasource(DsKey::Name("InfluxDB")).unwrap();
        assert_eq!(s.list_datasources(), json!([]));
    }

    #[test]
    fn search_filters_by_query_type_tag_and_uid() {
        let mut s = GrafanaStore::default();
        for (t, uid, tags) in [
            ("Beta", "b", json!(["x"])),
            ("alpha", "a", json!(["x", "y"])),
        ] {
            s.save_dashboard(&dash(json!({"title": t, "uid": uid, "tags": tags})), 0)
                .unwrap();
        }
        let p = |pairs: &[(&str, &str)]| -> Vec<String> {
            let v: Vec<(String, String)> = pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            s.search(&v)
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["uid"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(p(&[]), ["a", "b"]);
        assert_eq!(p(&[("query", "BET")]), ["b"]);
        assert_eq!(p(&[("type", "dash-folder")]), Vec::<String>::new());
        assert_eq!(p(&[("type", "dash-db"), ("tag", "y")]), ["a"]);
        assert_eq!(p(&[("dashboardUIDs", "b")]), ["b"]);
        assert_eq!(p(&[("limit", "1")]), ["a"]);
    }

    #[test]
    fn imports_fill_in_their_datasource_inputs() {
        let mut s = GrafanaStore::default();
        let body = json!({"dashboard": {"id": 9, "uid": "imp", "title": "Imported",
            "panels": [{"datasource": "${DS_INFLUX}", "title": "p"}]},
            "inputs": [{"name": "DS_INFLUX", "type": "datasource", "pluginId": "influxdb", "value": "InfluxDB"}],
            "overwrite": true});
        let r = s.import_dashboard(&body, 0).unwrap();
        assert_eq!(
            (r["imported"].as_bool(), r["uid"].as_str()),
            (Some(true), Some("imp"))
        );
        assert_eq!(
            s.dashboard("imp").unwrap().json["panels"][0]["datasource"],
            "InfluxDB"
        );
        // Imported again over itself: overwrite says so.
        assert_eq!(s.import_dashboard(&body, 0).unwrap()["dashboardId"], 1);
    }

    #[test]
    fn slugs_and_dates_as_grafana_writes_them() {
        assert_eq!(slug("  Raw Requests / WSGI! "), "raw-requests-wsgi");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn the_store_is_bounded() {
        let mut s = GrafanaStore::default();
        let big = "x".repeat(MAX_BYTES / 2);
        s.save_dashboard(&dash(json!({"title": "one", "text": big})), 0)
            .unwrap();
        let e = s
            .save_dashboard(&dash(json!({"title": "two", "text": big})), 0)
            .unwrap_err();
        assert_eq!(e.http_status(), 413);
        // Replacing a dashboard frees what it held.
        let uid = s.dashboards[0].uid.clone();
        let mut again = dash(json!({"title": "one", "uid": uid, "text": big}));
        again["overwrite"] = json!(true);
        s.save_dashboard(&again, 0).unwrap();
    }
}
