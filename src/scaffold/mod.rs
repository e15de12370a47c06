//! `lectern new`: a small working workshop to start from, in either page
//! layout Educates reads. The files are templates under `templates/`, filled
//! in here; what they hold passes `lectern check --strict` and `lectern test`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Which of Educates' page layouts to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `workshop/workshop.yaml` + `modules.yaml`, pages as `content/NAME.md`.
    #[default]
    Classic,
    /// `workshop/config.yaml`, pages as `content/NAME/index.md` with front matter.
    Hugo,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Classic => "classic",
            Layout::Hugo => "hugo",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The workshop's title; default: from the folder's name.
    pub title: Option<String>,
    pub layout: Layout,
}

#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("{} is not empty\n  = help: name a new or empty folder, e.g. `lectern new my-workshop`", .0.display())]
    NotEmpty(PathBuf),
    #[error("{} is a file, not a folder\n  = help: name a new or empty folder for the workshop", .0.display())]
    NotAFolder(PathBuf),
    #[error("cannot make a workshop name from the folder {}\n  = help: name the folder with letters or digits, e.g. `lectern new my-workshop`", .0.display())]
    NoName(PathBuf),
    #[error("the title {0:?} {1}\n  = help: pass one line of text, e.g. --title \"Getting started with Git\"")]
    BadTitle(String, &'static str),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file to write, relative to the workshop's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub path: String,
    pub contents: String,
    pub executable: bool,
    /// What it is, for the list printed after writing.
    pub about: &'static str,
}

/// What `create` made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The folder, as resolved (absolute).
    pub dir: PathBuf,
    pub name: String,
    pub title: String,
    pub layout: Layout,
    pub files: Vec<File>,
}

const README: &str = include_str!("templates/README.md");
const RESOURCE: &str = include_str!("templates/resources/workshop.yaml");
const HELLO: &str = include_str!("templates/exercises/hello.sh");
const CHECK: &str = include_str!("templates/workshop/examiner/tests/check-greeting");
const CLASSIC_WORKSHOP: &str = include_str!("templates/classic/workshop.yaml");
const CLASSIC_MODULES: &str = include_str!("templates/classic/modules.yaml");
const HUGO_CONFIG: &str = include_str!("templates/hugo/config.yaml");
/// Page name, title, text; the same text in both layouts.
const PAGES: [(&str, &str, &str); 2] = [
    (
        "01-first-steps",
        "First steps",
        include_str!("templates/pages/01-first-steps.md"),
    ),
    (
        "02-checking-work",
        "Checking the work",
        include_str!("templates/pages/02-checking-work.md"),
    ),
];

/// A Kubernetes-style name from a folder's name: lower-case letters, digits
/// and single dashes, at most 63 characters (Educates puts it in host names).
pub fn workshop_name(folder: &str) -> Option<String> {
    let mut name = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.truncate(63);
    let name = name.trim_end_matches('-').to_string();
    (!name.is_empty()).then_some(name)
}

/// The files of a new workshop, filled in; pure, so tests can read them.
pub fn files(name: &str, title: &str, layout: Layout) -> Vec<File> {
    // A JSON string is a valid double-quoted YAML scalar, whatever the title holds.
    let title_yaml = serde_json::Value::String(title.to_string()).to_string();
    let fill = |t: &str| {
        t.replace("@NAME@", name)
            .replace("@TITLE_YAML@", &title_yaml)
            .replace("@TITLE@", title)
    };
    let (layout_files, add_pages) = match layout {
        Layout::Classic => (
            "workshop/workshop.yaml    the pages, in order\n\
             workshop/modules.yaml     each page's title and its way on (exit_sign)\n\
             workshop/content/*.md     the pages",
            "To add a page, write `workshop/content/NN-name.md`, list `NN-name`\n  \
             under `modules.activate` in `workshop/workshop.yaml`, and give it a\n  \
             `name` (its title) in `workshop/modules.yaml`.",
        ),
        Layout::Hugo => (
            "workshop/config.yaml      settings for the pages (Educates' Hugo renderer)\n\
             workshop/content/*/index.md  the pages, in the order of their `weight`",
            "To add a page, make a folder `workshop/content/NN-name/` with an\n  \
             `index.md` whose front matter gives its `title` and `weight` (its\n  \
             place in the order).",
        ),
    };
    let var = |v: &str| match layout {
        Layout::Classic => format!("{{{{ {v} }}}}"),
        Layout::Hugo => format!("{{{{< param {v} >}}}}"),
    };

    let mut out = vec![
        File {
            path: "README.md".into(),
            contents: fill(README).replace("@LAYOUT_FILES@", layout_files),
            executable: false,
            about: "what is where, and how to run it",
        },
        File {
            path: "resources/workshop.yaml".into(),
            contents: fill(RESOURCE),
            executable: false,
            about: "the Workshop resource for Educates",
        },
    ];
    match layout {
        Layout::Classic => {
            out.push(File {
                path: "workshop/workshop.yaml".into(),
                contents: fill(CLASSIC_WORKSHOP),
                executable: false,
                about: "the pages, in order",
            });
            out.push(File {
                path: "workshop/modules.yaml".into(),
                contents: fill(CLASSIC_MODULES),
                executable: false,
                about: "the pages' titles",
            });
        }
        Layout::Hugo => out.push(File {
            path: "workshop/config.yaml".into(),
            contents: fill(HUGO_CONFIG),
            executable: false,
            about: "settings for the pages",
        }),
    }
    for (i, (page, page_title, text)) in PAGES.iter().enumerate() {
        let body = text
            .replace("@VAR:workshop_title@", &var("workshop_title"))
            .replace("@ADD_PAGES@", add_pages);
        let (path, contents) = match layout {
            Layout::Classic => (format!("workshop/content/{page}.md"), body),
            Layout::Hugo => (
                format!("workshop/content/{page}/index.md"),
                format!("---\ntitle: {page_title}\nweight: {}\n---\n\n{body}", i + 1),
            ),
        };
        out.push(File {
            path,
            contents,
            executable: false,
            about: "a page",
        });
    }
    out.push(File {
        path: "workshop/examiner/tests/check-greeting".into(),
        contents: CHECK.into(),
        executable: true,
        about: "an examiner test",
    });
    out.push(File {
        path: "exercises/hello.sh".into(),
        contents: HELLO.into(),
        executable: false,
        about: "the learner's file the pages use",
    });
    out
}

/// Write a new workshop into `dir` (new, or an empty folder).
pub fn create(dir: &Path, opts: &Options) -> Result<Created, NewError> {
    let real = resolve(dir)?;
    if real.is_dir() {
        let mut entries = std::fs::read_dir(&real).map_err(|source| NewError::Io {
            path: real.clone(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(NewError::NotEmpty(real));
        }
    } else if real.exists() {
        return Err(NewError::NotAFolder(real));
    }
    let name = real
        .file_name()
        .and_then(|n| workshop_name(&n.to_string_lossy()))
        .ok_or_else(|| NewError::NoName(real.clone()))?;
    let title = match &opts.title {
        Some(t) => check_title(t)?,
        None => crate::workshop::titleize(&name),
    };
    let files = files(&name, &title, opts.layout);

    let existed = real.is_dir();
    let result = write_all(&real, &files);
    if result.is_err() {
        // Leave nothing half-made: what this call created goes again.
        if existed {
            for top in ["README.md", "resources", "workshop", "exercises"] {
                let p = real.join(top);
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        } else {
            let _ = std::fs::remove_dir_all(&real);
        }
    }
    result?;
    Ok(Created {
        dir: real,
        name,
        title,
        layout: opts.layout,
        files,
    })
}

fn check_title(t: &str) -> Result<String, NewError> {
    let t = t.trim();
    if t.is_empty() {
        return Err(NewError::BadTitle(t.into(), "is empty"));
    }
    if t.chars().any(char::is_control) {
        return Err(NewError::BadTitle(
            t.into(),
            "holds a line break or a control character",
        ));
    }
    Ok(t.to_string())
}

/// `dir` made absolute, with what exists of it resolved, so that `.`, `..`
/// and links give the folder's real name.
fn resolve(dir: &Path) -> Result<PathBuf, NewError> {
    let io = |source| NewError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().map_err(io)?.join(dir)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_os_string());
                existing = p;
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize().map_err(io)?;
    for n in rest.iter().rev() {
        if n == ".." {
            real.pop();
        } else if n != "." {
            real.push(n);
        }
    }
    Ok(real)
}

fn write_all(root: &Path, files: &[File]) -> Result<(), NewError> {
    for f in files {
        let path = root.join(&f.path);
        let io = |source| NewError::Io {
            path: path.clone(),
            source,
        };
        let parent = path.parent().unwrap_or(root);
        std::fs::create_dir_all(parent).map_err(io)?;
        // Written beside, then renamed: a file is there whole or not at all.
        let tmp = parent.join(format!(
            ".{}.new",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        let written = std::fs::write(&tmp, &f.contents)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                if f.executable {
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
                } else {
                    Ok(())
                }
            })
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
    }
    Ok(())
}

/// What to print once the workshop is written: its files and what to run next.
pub fn summary(created: &Created, shown_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Created the workshop `{}` ({}, {} layout) in {}:",
        created.name,
        crate::sanitize::clean_line(&created.title),
        created.layout.name(),
        created.dir.display()
    );
    let width = created
        .files
        .iter()
        .map(|f| f.path.len())
        .max()
        .unwrap_or(0);
    for f in &created.files {
        let _ = writeln!(out, "  {:<width$}  {}", f.path, f.about);
    }
    let _ = writeln!(out, "\nNext:");
    let run = if matches!(
        shown_dir,
        "run" | "check" | "test" | "export" | "render" | "new" | "completions" | "man" | "help"
    ) {
        format!("./{shown_dir}")
    } else {
        shown_dir.to_string()
    };
    let next = [
        (format!("lectern {run}"), "open it, as a learner would"),
        (
            format!("lectern check --strict {shown_dir}"),
            "check the pages after each change",
        ),
        (
            format!("lectern test {shown_dir}"),
            "run every action and report what failed",
        ),
    ];
    let w = next.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (cmd, what) in next {
        let _ = writeln!(out, "  {cmd:<w$}  # {what}");
    }
    out
}

/// A path as a shell word: quoted when it holds anything but plain characters.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./~+,:@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_folder() {
        assert_eq!(workshop_name("My Workshop").as_deref(), Some("my-workshop"));
        assert_eq!(
            workshop_name("lab_git--101_").as_deref(),
            Some("lab-git-101")
        );
        assert_eq!(workshop_name("--Über Go!").as_deref(), Some("ber-go"));
        assert_eq!(workshop_name("***"), None);
        assert_eq!(workshop_name(&"a".repeat(80)).map(|n| n.len()), Some(63));
    }

    #[test]
    fn titles_are_one_line() {
        assert_eq!(check_title("  Git basics ").unwrap(), "Git basics");
        assert!(check_title("").is_err());
        assert!(check_title("two\nlines").is_err());
    }

    #[test]
    fn every_placeholder_is_filled() {
        for layout in [Layout::Classic, Layout::Hugo] {
            for f in files("demo", "A \"quoted\" title: yes", layout) {
                assert!(!f.contents.contains("@NAME@"), "{}", f.path);
                assert!(
                    !f.contents.contains("@VAR:") && !f.contents.contains("_FILES@"),
                    "{}",
                    f.path
                );
                assert!(!f.contents.contains("@ADD_PAGES@"), "{}", f.path);
                assert!(!f.contents.contains("@TITLE"), "{}", f.path);
            }
        }
    }

    #[test]
    fn the_resource_is_yaml_with_the_title_as_given() {
        let title = "A \"quoted\" title: yes # not a comment";
        let f = files("demo", title, Layout::Classic);
        let res = f
            .iter()
            .find(|f| f.path == "resources/workshop.yaml")
            .unwrap();
        let v = crate::yaml::parse_all(&res.contents).unwrap().remove(0);
        assert_eq!(v["spec"]["title"], title);
        assert_eq!(v["metadata"]["name"], "demo");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("my-ws"), "my-ws");
        assert_eq!(shell_word("my ws"), "'my ws'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
