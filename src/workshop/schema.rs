//! The shape of Educates' Workshop resource, after its CustomResourceDefinition
//! (`training.educates.dev/v1beta1`, and eduk8s' `training.eduk8s.io/v1alpha2`),
//! for telling authors which fields Educates would drop or refuse.
//!
//! Written as an outline, one field a line: `name type`, two spaces deeper for
//! what it holds. Types: `str`, `int`, `bool`, `obj` (these fields only),
//! `open` (these fields, and others Educates keeps as they are), `any`
//! (free-form: Kubernetes objects, vendir sources, compose services), `list`
//! (its items as `-`), `map` (any keys, values as `*`). `!` marks a required
//! field, `@name` takes the fields of fragment `@name`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::yaml::{path_text, Seg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Str,
    Int,
    Bool,
    Obj,
    Open,
    Any,
    List,
    Map,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub ty: Type,
    pub required: bool,
    /// Fields (Obj, Open), or the one `-` item (List) or `*` value (Map).
    pub children: BTreeMap<String, Node>,
}

impl Node {
    fn new(ty: Type, required: bool) -> Node {
        Node {
            ty,
            required,
            children: BTreeMap::new(),
        }
    }
}

/// Which Workshop resource a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `training.educates.dev/v1beta1`: Educates 2 and later.
    V1beta1,
    /// `training.eduk8s.io/v1alpha2`: eduk8s, Educates' predecessor.
    V1alpha2,
}

impl ApiVersion {
    pub fn name(self) -> &'static str {
        match self {
            ApiVersion::V1beta1 => "training.educates.dev/v1beta1",
            ApiVersion::V1alpha2 => "training.eduk8s.io/v1alpha2",
        }
    }

    /// The schema of the whole document.
    pub fn schema(self) -> &'static Node {
        static BETA: OnceLock<Node> = OnceLock::new();
        static ALPHA: OnceLock<Node> = OnceLock::new();
        match self {
            ApiVersion::V1beta1 => BETA.get_or_init(|| outline(V1BETA1)),
            ApiVersion::V1alpha2 => ALPHA.get_or_init(|| outline(V1ALPHA2)),
        }
    }
}

/// A field Educates does not know, or a value of the wrong kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub path: Vec<Seg>,
    pub message: String,
    pub help: Option<String>,
    /// Kubernetes refuses the resource (wrong type, missing field); otherwise
    /// Educates drops the field.
    pub refused: bool,
}

/// Check a Workshop document against the schema of its version.
pub fn check(doc: &Value, version: ApiVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(doc, version.schema(), version, &mut path, &mut out);
    out
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a whole number",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::Str => "text",
        Type::Int => "a whole number",
        Type::Bool => "true or false",
        Type::Obj | Type::Open | Type::Map | Type::Any => "a mapping",
        Type::List => "a list",
    }
}

/// Schema depth bounds the recursion: it follows the schema, never the data alone.
fn walk(v: &Value, node: &Node, version: ApiVersion, path: &mut Vec<Seg>, out: &mut Vec<Finding>) {
    let fits = match (node.ty, v) {
        (_, Value::Null) => true, // Kubernetes drops nulls
        (Type::Any, _) => true,
        (Type::Str, Value::String(_)) => true,
        (Type::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Type::Bool, Value::Bool(_)) => true,
        (Type::Obj | Type::Open | Type::Map, Value::Object(_)) => true,
        (Type::List, Value::Array(_)) => true,
        _ => false,
    };
    if !fits {
        let help = match (node.ty, v) {
            (Type::Str, Value::Number(_) | Value::Bool(_)) => Some("put it in quotes".to_string()),
            (Type::Int | Type::Bool, Value::String(_)) => {
                Some("write it without quotes".to_string())
            }
            _ => None,
        };
        out.push(Finding {
            path: path.clone(),
            message: format!(
                "`{}` must be {}, not {}",
                path_text(path),
                type_name(node.ty),
                kind_of(v)
            ),
            help,
            refused: true,
        });
        return;
    }
    match (node.ty, v) {
        (Type::Obj | Type::Open, Value::Object(map)) => {
            for (name, child) in &node.children {
                if child.required && map.get(name).is_none_or(Value::is_null) {
                    out.push(Finding {
                        path: path.clone(),
                        message: format!(
                            "`{}` needs `{name}`",
                            if path.is_empty() {
                                "the document".to_string()
                            } else {
                                path_text(path)
                            }
                        ),
                        help: None,
                        refused: true,
                    });
                }
            }
            for (key, value) in map {
                path.push(Seg::Key(key.clone()));
                match node.children.get(key) {
                    Some(child) => walk(value, child, version, path, out),
                    None if node.ty == Type::Obj => {
                        out.push(unknown_field(path, key, node, version));
                    }
                    None => {}
                }
                path.pop();
            }
        }
        (Type::List, Value::Array(items)) => {
            if let Some(item) = node.children.get("-") {
                for (i, value) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(value, item, version, path, out);
                    path.pop();
                }
            }
        }
        (Type::Map, Value::Object(map)) => {
            if let Some(each) = node.children.get("*") {
                for (key, value) in map {
                    path.push(Seg::Key(key.clone()));
                    walk(value, each, version, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

fn unknown_field(path: &[Seg], key: &str, parent: &Node, version: ApiVersion) -> Finding {
    let known: Vec<&str> = parent.children.keys().map(String::as_str).collect();
    let near = known
        .iter()
        .map(|k| (edit_distance(&k.to_lowercase(), &key.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let help = match near {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None if known.is_empty() => "this mapping takes no fields".to_string(),
        None => format!("fields here: {}", known.join(", ")),
    };
    Finding {
        path: path.to_vec(),
        message: format!(
            "`{}` is not a field of Educates' Workshop ({}); Educates drops it",
            path_text(path),
            version.name()
        ),
        help: Some(help),
        refused: false,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Read an outline (see the module's comment) into a tree.
fn outline(text: &str) -> Node {
    // Fragments first: top-level `@name type` blocks.
    let mut fragments: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
    let mut body: Vec<(usize, &str)> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let indent = (line.len() - trimmed.len()) / 2;
        if indent == 0 {
            current = trimmed
                .strip_prefix('@')
                .map(|r| r.split_whitespace().next().unwrap_or("").to_string());
            if current.is_some() {
                continue;
            }
        }
        match &current {
            Some(name) => fragments
                .entry(name.clone())
                .or_default()
                .push((indent - 1, trimmed)),
            None => body.push((indent, trimmed)),
        }
    }
    let mut root = Node::new(Type::Obj, false);
    build(&mut root, &body, &fragments);
    root
}

/// Add the lines (relative indent 0 = direct children) to `parent`.
fn build(
    parent: &mut Node,
    lines: &[(usize, &str)],
    fragments: &BTreeMap<String, Vec<(usize, &str)>>,
) {
    let Some(base) = lines.first().map(|(i, _)| *i) else {
        return;
    };
    let mut i = 0;
    while i < lines.len() {
        let (indent, text) = lines[i];
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].0 <= indent)
            .unwrap_or(lines.len());
        if indent == base {
            let mut words = text.split_whitespace();
            let name = words.next().unwrap_or("");
            let ty_word = words.next().unwrap_or("any");
            let required = ty_word.ends_with('!');
            let ty = match ty_word.trim_end_matches('!') {
                "str" => Type::Str,
                "int" => Type::Int,
                "bool" => Type::Bool,
                "obj" => Type::Obj,
                "open" => Type::Open,
                "list" => Type::List,
                "map" => Type::Map,
                _ => Type::Any,
            };
            let mut node = Node::new(ty, required);
            if let Some(frag) = words.next().and_then(|w| w.strip_prefix('@')) {
                if let Some(f) = fragments.get(frag) {
                    build(&mut node, f, fragments);
                }
            }
            build(&mut node, &lines[i + 1..end], fragments);
            parent.children.insert(name.to_string(), node);
        }
        i = end;
    }
}

const V1BETA1: &str = "
@vendir obj
  path str
  git any
  hg any
  http any
  image any
  imgpkgBundle any
  githubRelease any
  helmChart any
  directory any
  includePaths list
    - str
  excludePaths list
    - str
  legalPaths list
    - str
  newRootPath str

@files obj
  path str
  git any
  hg any
  http any
  image any
  imgpkgBundle any
  githubRelease any
  helmChart any
  inline obj
    paths map
      * str
    pathsFrom list
      - obj
        secretRef obj!
          name str!
          directoryPath str
  directory any
  includePaths list
    - str
  excludePaths list
    - str
  legalPaths list
    - str
  newRootPath str

@cpumem obj
  cpu str
  memory str

@limits obj
  min obj @cpumem
  max obj @cpumem
  defaultRequest obj @cpumem
  default obj @cpumem

@header obj
  name str!
  value str

@enabled obj
  enabled bool!

apiVersion str
kind str
metadata any
status any
spec obj
  title str!
  description str!
  vendor str
  authors list
    - str
  version str
  difficulty str
  duration str
  tags list
    - str
  labels list
    - obj
      name str!
      value str
  logo str
  url str
  content obj
    image str
    files str
  publish obj
    image str
    files list
      - obj @vendir
  workshop obj
    image str
    files list
      - obj @files
    packages list
      - obj
        name str!
        files list!
          - obj @files
  environment obj
    objects list
      - any
    secrets list
      - obj
        namespace str!
        name str!
        labels map
          * str
    assets obj
      ingress obj
        enabled bool
      storage str
      memory str
      files list!
        - obj @files
    images obj
      ingress obj
        enabled bool
      storage str
      memory str
      registries list
        - obj
          urls list!
            - str
          onDemand bool
          pollInterval str
          tlsVerify bool
          maxRetries int
          retryDelay str
          onlySigned bool
          content list
            - obj
              prefix str
              destination str
              stripPrefix bool
              tags obj
                regex str!
                semver bool
  session obj
    namespaces obj
      role str
      budget str
      limits obj @limits
      security obj
        token obj
          enabled bool
        policy str
        rules obj
          action str
          exclude list
            - str
      secondary list
        - obj
          name str!
          role str
          budget str
          limits obj @limits
          security obj
            policy str
    resources obj
      memory str
      storage str
      volume obj
        name str!
        subPath str
    env list
      - obj
        name str!
        value str
        valueFrom obj
          configMapKeyRef obj
            key str
            name str
            optional bool
          fieldRef obj
            apiVersion str
            fieldPath str
          resourceFieldRef obj
            containerName str
            divisor str
            resource str
          secretKeyRef obj
            key str
            name str
            optional bool
    envFrom list
      - obj
        prefix str
        configMapRef obj
          name str
          optional bool
        secretRef obj
          name str
          optional bool
    volumeMounts list
      - obj
        name str!
        mountPath str!
        mountPropagation str
        readOnly bool
        subPath str
        subPathExpr str
    volumes list
      - open
        name str!
    initContainers list
      - open
        name str!
    applications obj
      workshop obj
        enabled bool
        renderer str
        url str
        proxy obj
          protocol str
          host str!
          port int
          headers list
            - obj @header
          changeOrigin bool
          pathRewrite list
            - obj
              pattern str!
              replacement str!
        path str
        layout str
      terminal obj
        enabled bool!
        layout str
      editor obj @enabled
      console obj
        enabled bool!
        vendor str
        octant obj
          version str
      slides obj
        enabled bool!
        reveal.js obj
          version str!
        impress.js obj
          version str!
      webdav obj @enabled
      docker obj
        enabled bool!
        memory str
        storage str
        socket obj
          enabled bool
        compose obj
          services any!
          volumes any
      registry obj
        enabled bool!
        memory str
        storage str
        volume obj
          name str!
          subPath str
      examiner obj @enabled
      files obj
        enabled bool!
        directory str
      uploads obj
        enabled bool!
        directory str
      git obj @enabled
      vcluster obj
        enabled bool!
        version str
        resources obj
          syncer obj
            memory str
            storage str
        ingress obj
          enabled bool!
          subdomains list
            - str
        objects list
          - any
        services obj
          fromHost list
            - obj
              from str!
              to str!
          fromVirtual list
            - obj
              from str!
              to str!
      sshd obj
        enabled bool!
        tunnel obj
          enabled bool!
          memory str
    dashboards list
      - obj
        name str!
        url str
    ingresses list
      - obj
        name str!
        authentication obj
          type str
        protocol str
        host str
        port int
        path str
        changeOrigin bool
        secure bool
        headers list
          - obj @header
    patches any
    objects list
      - any
  request obj
    parameters list
      - obj
        name str!
        value str
        generate str
        from str
    objects list
      - any
  images list
    - obj
      name str!
      image str!
";

const V1ALPHA2: &str = "
@cpumem obj
  cpu str
  memory str

@limits obj
  min obj @cpumem
  max obj @cpumem
  defaultRequest obj @cpumem
  default obj @cpumem

@enabled obj
  enabled bool!

@resources obj
  enabled bool!
  memory str
  storage str

apiVersion str
kind str
metadata any
status any
spec obj
  title str!
  description str!
  vendor str
  authors list
    - str
  difficulty str
  duration str
  tags list
    - str
  logo str
  url str
  content obj
    image str
    files str
  environment obj
    objects list
      - any
  session obj
    role str
    budget str
    namespaces obj
      role str
      budget str
      limits obj @limits
      security obj
        policy str
      secondary list
        - obj
          name str!
          role str
          budget str
          limits obj @limits
          security obj
            policy str
    security obj
      policy str
    resources obj
      memory str
      storage str
    env list
      - obj
        name str!
        value str
    applications obj
      workshop obj
        enabled bool
        url str
      terminal obj
        enabled bool!
        layout str
      editor obj @enabled
      console obj
        enabled bool!
        vendor str
        openshift obj
          version str
          image str
      slides obj @enabled
      webdav obj @enabled
      docker obj @resources
      registry obj @resources
      examiner obj @enabled
      files obj
        enabled bool!
        directory str
    dashboards list
      - obj
        name str!
        url str!
    ingresses list
      - obj
        name str!
        protocol str
        host str
        port int
        headers list
          - obj
            name str!
            value str
    patches any
    objects list
      - any
";

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(doc: &str, v: ApiVersion) -> Vec<(String, bool)> {
        let doc = crate::yaml::parse(doc).unwrap();
        check(&doc, v)
            .into_iter()
            .map(|f| (path_text(&f.path), f.refused))
            .collect()
    }

    #[test]
    fn outline_reads_fragments_and_requirements() {
        let s = ApiVersion::V1beta1.schema();
        let spec = &s.children["spec"];
        assert!(!spec.required && spec.children["title"].required);
        let limits = &spec.children["session"].children["namespaces"].children["limits"];
        assert_eq!(limits.children["max"].children["cpu"].ty, Type::Str);
        let compose = &spec.children["session"].children["applications"].children["docker"]
            .children["compose"];
        assert_eq!(compose.children["services"].ty, Type::Any);
    }

    #[test]
    fn unknown_wrong_and_missing_fields() {
        let doc = "apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata: {name: w, anything: goes}
spec:
  title: T
  description: D
  sesion: {}
  session:
    env:
    - {name: A, value: 5}
    - value: x
    ingresses:
    - {name: app, port: '8080', extra: 1}
    applications:
      docker:
        enabled: true
        compose:
          services: {grafana: {image: g, whatever: {deep: 1}}}
    volumes:
    - {name: v, emptyDir: {}}
";
        assert_eq!(
            paths(doc, ApiVersion::V1beta1),
            vec![
                ("spec.sesion".to_string(), false),
                ("spec.session.env[0].value".to_string(), true),
                ("spec.session.env[1]".to_string(), true),
                ("spec.session.ingresses[0].port".to_string(), true),
                ("spec.session.ingresses[0].extra".to_string(), false),
            ]
        );
        let doc = crate::yaml::parse(doc).unwrap();
        let f = check(&doc, ApiVersion::V1beta1);
        assert_eq!(f[0].help.as_deref(), Some("did you mean `session`?"));
        assert_eq!(f[1].help.as_deref(), Some("put it in quotes"));
        assert_eq!(f[2].message, "`spec.session.env[1]` needs `name`");
    }

    #[test]
    fn older_resources_have_their_own_fields() {
        let doc = "apiVersion: training.eduk8s.io/v1alpha2
kind: Workshop
spec:
  title: T
  description: D
  content: {image: quay.io/x, files: github.com/x}
  session:
    budget: small
    security: {policy: nonroot}
    applications:
      docker: {enabled: true, compose: {services: {}}}
    dashboards:
    - {name: App}
";
        assert_eq!(
            paths(doc, ApiVersion::V1alpha2),
            vec![
                (
                    "spec.session.applications.docker.compose".to_string(),
                    false
                ),
                ("spec.session.dashboards[0]".to_string(), true),
            ]
        );
        // The same document as v1beta1: budget and security moved.
        let beta = paths(doc, ApiVersion::V1beta1);
        assert!(
            beta.contains(&("spec.session.budget".to_string(), false)),
            "{beta:?}"
        );
    }

    /// The v1beta1 outline says what Educates' published CRD says, field for field.
    #[test]
    fn v1beta1_matches_the_crd() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/educates/workshop-crd.yaml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let docs = crate::yaml::parse_all(&text).unwrap();
        let crd = docs
            .iter()
            .find(|d| d["kind"] == "CustomResourceDefinition")
            .unwrap();
        let version = crd["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "v1beta1")
            .unwrap();
        let schema = &version["schema"]["openAPIV3Schema"];
        let from_crd = node_of(schema, false);
        let ours = ApiVersion::V1beta1.schema();
        for key in ["spec", "status"] {
            same(&from_crd.children[key], &ours.children[key], key);
        }
    }

    fn node_of(s: &Value, required: bool) -> Node {
        let preserve = s["x-kubernetes-preserve-unknown-fields"] == true;
        let mut node = match s["type"].as_str() {
            Some("string") => Node::new(Type::Str, required),
            Some("integer") => Node::new(Type::Int, required),
            Some("boolean") => Node::new(Type::Bool, required),
            Some("array") => {
                let mut n = Node::new(Type::List, required);
                n.children.insert("-".into(), node_of(&s["items"], false));
                n
            }
            _ if s["properties"].is_object() => {
                Node::new(if preserve { Type::Open } else { Type::Obj }, required)
            }
            _ if s["additionalProperties"].is_object() => {
                let mut n = Node::new(Type::Map, required);
                n.children
                    .insert("*".into(), node_of(&s["additionalProperties"], false));
                n
            }
            _ if preserve => Node::new(Type::Any, required),
            _ => Node::new(Type::Obj, required),
        };
        if let Some(props) = s["properties"].as_object() {
            let req: Vec<&str> = s["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (k, v) in props {
                node.children
                    .insert(k.clone(), node_of(v, req.contains(&k.as_str())));
            }
        }
        node
    }

    fn same(crd: &Node, ours: &Node, at: &str) {
        assert_eq!(crd.ty, ours.ty, "type of {at}");
        assert_eq!(crd.required, ours.required, "required {at}");
        let a: Vec<&String> = crd.children.keys().collect();
        let b: Vec<&String> = ours.children.keys().collect();
        assert_eq!(a, b, "fields of {at}");
        for (k, c) in &crd.children {
            same(c, &ours.children[k], &format!("{at}.{k}"));
        }
    }
}
