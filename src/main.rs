//! The `lectern` command line: parses arguments and calls the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use lectern::workshop::{self, vars::parse_assignment, LoadOptions, Workshop};
use lectern::{check, page, text_render};

#[derive(Parser)]
#[command(
    name = "lectern",
    version,
    about = "Run hands-on workshops (Educates format) in the terminal",
    after_help = EXAMPLES_MAIN
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Open the workshop in the terminal app (the default).
    #[command(after_help = EXAMPLES_RUN)]
    Run(RunArgs),
    /// Present the workshop to a class: commands are typed at a person's pace,
    /// panes zoom to the whole screen, `lectern notes` follows in another window.
    #[command(after_help = EXAMPLES_PRESENT)]
    Present {
        #[command(flatten)]
        run: RunArgs,
        /// How fast commands are typed, in characters a second (a little jitter is added).
        #[arg(long, value_name = "N", default_value_t = 25.0, value_parser = parse_speed)]
        typing_speed: f64,
    },
    /// Show the speaker notes of a `lectern present` of the same workshop, in a
    /// second terminal window: notes, elapsed time, the clock, the next page.
    #[command(after_help = EXAMPLES_NOTES)]
    Notes {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Check a workshop's content and report problems with file:line:col.
    #[command(after_help = EXAMPLES_CHECK)]
    Check {
        #[command(flatten)]
        common: CommonArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Treat every warning as an error (exit 1 on any).
        #[arg(long)]
        strict: bool,
    },
    /// Run the workshop headless, action by action, and report each outcome.
    #[command(after_help = EXAMPLES_TEST)]
    Test {
        #[command(flatten)]
        common: CommonArgs,
        /// How long a command may run before it is left running (e.g. 10s, 2m).
        #[arg(long, default_value = "10s", value_parser = parse_budget)]
        budget: std::time::Duration,
        /// Also write the results as JUnit XML.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Resolve everything, run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Run one page (number or name).
        #[arg(long)]
        page: Option<String>,
        /// Run on the workshop's own files instead of a temporary copy.
        #[arg(long)]
        in_place: bool,
        /// Let file actions reach outside the workshop's files.
        #[arg(long)]
        allow_outside_files: bool,
        /// Record each terminal's output on each page to DIR, as asciicast v2
        /// files named NN-PAGE.terminal-NAME.cast.
        #[arg(long, value_name = "DIR")]
        record: Option<PathBuf>,
    },
    /// Write a folder that Educates deploys on Kubernetes: the Workshop
    /// resource, the workshop's files, and its services as compose services.
    #[command(after_help = EXAMPLES_EXPORT)]
    Export {
        /// The workshop: the folder that holds `workshop/`, or `workshop/` itself.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The folder to write (new or empty).
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
        /// Write into a folder that is not empty, replacing what export writes there.
        #[arg(long)]
        force: bool,
    },
    /// Print a page as plain text, or draw a dashboard from its datasources.
    #[command(after_help = EXAMPLES_RENDER)]
    Render {
        #[command(flatten)]
        common: CommonArgs,
        /// Page number (1-based) or name; default: every page.
        #[arg(long, conflicts_with = "dashboard")]
        page: Option<String>,
        /// Columns: wrap a page to them (default 80), or draw a dashboard in them (default 120).
        #[arg(long)]
        width: Option<u16>,
        /// Draw the dashboard with this uid, querying its datasources.
        #[arg(long, value_name = "UID")]
        dashboard: Option<String>,
        /// Start of the dashboard's time range: `now-15m` or epoch ms (default: the dashboard's).
        #[arg(long, requires = "dashboard", allow_hyphen_values = true)]
        from: Option<String>,
        /// End of the dashboard's time range: `now` or epoch ms (default: the dashboard's).
        #[arg(long, requires = "dashboard", allow_hyphen_values = true)]
        to: Option<String>,
        /// Rows to draw the dashboard in (default: every panel at two rows per grid row).
        #[arg(long, requires = "dashboard")]
        height: Option<u16>,
    },
    /// Start a new workshop: a folder with two example pages that pass
    /// `check --strict` and `test`, ready to edit.
    #[command(after_help = EXAMPLES_NEW)]
    New {
        /// The folder to create (new, or empty); its name becomes the workshop's name.
        dir: PathBuf,
        /// The workshop's title (default: from the folder's name).
        #[arg(long)]
        title: Option<String>,
        /// How the pages are laid out: Educates' classic renderer or Hugo.
        #[arg(long, value_enum, default_value_t = NewLayout::Classic)]
        layout: NewLayout,
    },
    /// Print a shell's completion script for lectern.
    #[command(after_help = EXAMPLES_COMPLETIONS)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print lectern's manual page (roff), or write a page per command.
    #[command(after_help = EXAMPLES_MAN)]
    Man {
        /// Write lectern.1 and a lectern-COMMAND.1 for each command into this folder.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum NewLayout {
    /// workshop/workshop.yaml and modules.yaml; pages as content/NAME.md.
    Classic,
    /// workshop/config.yaml; pages as content/NAME/index.md with front matter.
    Hugo,
}

const EXAMPLES_MAIN: &str = "\
Examples:
  lectern                          # open the workshop in this folder
  lectern ~/workshops/git-basics   # open another one
  lectern new my-workshop          # start writing a workshop
  lectern check --strict .         # every problem in the pages, as errors
  lectern test .                   # run every action headless, as CI would
  lectern completions bash > ~/.local/share/bash-completion/completions/lectern";
const EXAMPLES_RUN: &str = "\
Examples:
  lectern run                      # the workshop in this folder
  lectern run my-workshop --restart
  lectern run . --var load_duration=30s";
const EXAMPLES_PRESENT: &str = "\
Examples:
  lectern present                  # the workshop in this folder, for a class
  lectern present . --typing-speed 15 --record class.cast
  lectern notes                    # in a second window: the speaker notes";
const EXAMPLES_NOTES: &str = "\
Examples:
  lectern present my-workshop      # in the window the class sees
  lectern notes my-workshop        # in a second window, for the presenter only";
const EXAMPLES_CHECK: &str = "\
Examples:
  lectern check                    # the workshop in this folder
  lectern check --strict my-workshop
  lectern check --format json . > problems.json";
const EXAMPLES_TEST: &str = "\
Examples:
  lectern test                     # the workshop in this folder
  lectern test . --page 2 --budget 30s
  lectern test . --dry-run         # resolve every action, run none
  lectern test . --junit target/lectern-test.xml
  lectern test . --record casts    # then: asciinema play casts/02-setup.terminal-1.cast";
const EXAMPLES_EXPORT: &str = "\
Examples:
  lectern export . --out ../my-workshop-class
  cd ../my-workshop-class && educates publish-workshop && educates deploy-workshop";
const EXAMPLES_RENDER: &str = "\
Examples:
  lectern render . --page 1
  lectern render my-workshop --page setup --width 72";
const EXAMPLES_NEW: &str = "\
Examples:
  lectern new my-workshop
  lectern new git-basics --title \"Git basics\" --layout hugo
  mkdir lab && cd lab && lectern new .";
const EXAMPLES_COMPLETIONS: &str = "\
Examples:
  lectern completions bash > ~/.local/share/bash-completion/completions/lectern
  lectern completions zsh > ~/.zfunc/_lectern    # with fpath+=~/.zfunc in ~/.zshrc
  lectern completions fish > ~/.config/fish/completions/lectern.fish";
const EXAMPLES_MAN: &str = "\
Examples:
  lectern man | man -l -
  lectern man --out-dir ~/.local/share/man/man1 && man lectern";

#[derive(Args, Clone)]
struct CommonArgs {
    /// The workshop: the folder that holds `workshop/`, or `workshop/` itself.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Set a workshop variable (repeatable): --var load_duration=5s
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_assignment)]
    vars: Vec<(String, String)>,
    /// Follow this Hugo pathway instead of the default one.
    #[arg(long)]
    pathway: Option<String>,
}

#[derive(Args, Clone)]
struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Run autostart actions without asking (you trust this workshop).
    #[arg(long)]
    trust: bool,
    /// Start from the first page, forgetting saved progress.
    #[arg(long)]
    restart: bool,
    /// Let editor and file actions reach files outside the workshop's folder.
    #[arg(long)]
    allow_outside_files: bool,
    /// Record the whole screen to FILE as an asciicast v2 recording (`asciinema play FILE`).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn load(common: &CommonArgs) -> Result<Workshop, ExitCode> {
    let opts = LoadOptions {
        pathway: common.pathway.clone(),
        vars: common.vars.clone(),
    };
    workshop::load(&common.dir, &opts).map_err(|e| {
        lectern::say_err!("lectern: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that start processes run under a keeper that outlives them all.
    if matches!(
        cli.command,
        None | Some(Command::Run(_) | Command::Present { .. } | Command::Test { .. })
    ) {
        lectern::runtime::keeper::protect();
    }
    let result = match cli.command {
        Some(Command::Check {
            common,
            format,
            strict,
        }) => cmd_check(&common, format, strict),
        Some(Command::Render {
            common,
            width,
            dashboard: Some(uid),
            from,
            to,
            height,
            ..
        }) => cmd_render_dashboard(&common, &uid, from, to, width, height),
        Some(Command::Render {
            common,
            page,
            width,
            ..
        }) => cmd_render(&common, page.as_deref(), width.map_or(80, usize::from)),
        Some(Command::Test {
            common,
            budget,
            junit,
            dry_run,
            page,
            in_place,
            allow_outside_files,
            record,
        }) => {
            let opts = lectern::headless::TestOptions {
                budget,
                junit,
                dry_run,
                page,
                in_place,
                allow_outside: allow_outside_files,
                record,
            };
            let load = LoadOptions {
                pathway: common.pathway.clone(),
                vars: common.vars.clone(),
            };
            match lectern::headless::run(&common.dir, &load, &opts) {
                Ok(true) => Ok(ExitCode::SUCCESS),
                Ok(false) => Ok(ExitCode::from(1)),
                Err(e) => {
                    lectern::say_err!("lectern: {e}");
                    Err(ExitCode::from(2))
                }
            }
        }
        Some(Command::Export { dir, out, force }) => cmd_export(&dir, &out, force),
        Some(Command::New { dir, title, layout }) => cmd_new(&dir, title, layout),
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lectern", &mut script);
            write_stdout(&script)
        }
        Some(Command::Man { out_dir }) => cmd_man(out_dir.as_deref()),
        Some(Command::Run(args)) => cmd_run(&args, None),
        Some(Command::Notes { common }) => cmd_notes(&common),
        Some(Command::Present { run, typing_speed }) => cmd_run(
            &run,
            Some(lectern::engine::terminals::Pace {
                chars_per_sec: typing_speed,
            }),
        ),
        None => cmd_run(&cli.run, None),
    };
    // Whatever is left below lectern (a job that left its session) goes now.
    lectern::runtime::keeper::stop_descendants();
    result.unwrap_or_else(|code| code)
}

fn parse_budget(s: &str) -> Result<std::time::Duration, String> {
    lectern::action::parse_duration_str(s)
        .ok_or_else(|| format!("`{s}` is not a duration such as 10s, 90s or 2m"))
}

fn cmd_check(common: &CommonArgs, format: Format, strict: bool) -> Result<ExitCode, ExitCode> {
    let ws = load(common)?;
    let report = check::run(&ws);
    let report = if strict { report.strict() } else { report };
    match format {
        Format::Text => {
            let base = std::env::current_dir().unwrap_or_default();
            lectern::say_part!("{}", report.render_text(&base));
        }
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => lectern::say!("{s}"),
            Err(e) => {
                lectern::say_err!("lectern: cannot write JSON: {e}");
                return Err(ExitCode::from(2));
            }
        },
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cmd_export(dir: &Path, out: &Path, force: bool) -> Result<ExitCode, ExitCode> {
    let ws = workshop::load(dir, &LoadOptions::default()).map_err(|e| {
        lectern::say_err!("lectern: {e}");
        ExitCode::from(2)
    })?;
    let opts = lectern::export::Options { force };
    match lectern::export::export(&ws, out, &opts) {
        Ok(report) => {
            lectern::say_part!("{}", report.render_text());
            lectern::say!(
                "\nWrote {}. To run it for a class on a cluster with Educates:\n  cd {} && educates publish-workshop && educates deploy-workshop",
                out.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ lectern::export::ExportError::Check { .. }) => {
            lectern::say_err!("{e}");
            Err(ExitCode::from(1))
        }
        Err(e) => {
            lectern::say_err!("lectern: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn cmd_render(
    common: &CommonArgs,
    page_key: Option<&str>,
    width: usize,
) -> Result<ExitCode, ExitCode> {
    let ws = load(common)?;
    let indices: Vec<usize> = match page_key {
        Some(key) => match ws.find_page(key) {
            Some(i) => vec![i],
            None => {
                let names: Vec<String> = ws
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("  {:>2}  {}", i + 1, p.name))
                    .collect();
                lectern::say_err!(
                    "lectern: no page `{key}`; the pages are:\n{}",
                    names.join("\n")
                );
                return Err(ExitCode::from(2));
            }
        },
        None => (0..ws.pages.len()).collect(),
    };
    let mut out = String::new();
    for (n, i) in indices.iter().enumerate() {
        let p = &ws.pages[*i];
        if n > 0 {
            out.push_str("\n\n");
        }
        let head = format!("Page {}/{}: {}", i + 1, ws.pages.len(), p.title);
        out.push_str(&lectern::sanitize::clean_line(&head));
        out.push('\n');
        out.push_str(&"━".repeat(width.min(head.chars().count().max(1))));
        out.push_str("\n\n");
        let doc = page::load(&ws, *i);
        out.push_str(&text_render::render(&doc.lesson, width));
        if let Some(sign) = &p.exit_sign {
            out.push_str(&format!("\n[{}] →\n", lectern::sanitize::clean_line(sign)));
        }
    }
    lectern::say_part!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// Draw dashboard `uid` as text, from what its datasources answer now.
fn cmd_render_dashboard(
    common: &CommonArgs,
    uid: &str,
    from: Option<String>,
    to: Option<String>,
    width: Option<u16>,
    height: Option<u16>,
) -> Result<ExitCode, ExitCode> {
    use lectern::engine::dashboards::{find_json, DashboardContent, DashboardTab};
    use lectern::model::{grafana, series};
    use lectern::ui::dashboard_view;
    let fail = |msg: String| {
        lectern::say_err!("lectern: {msg}");
        ExitCode::from(2)
    };
    let ws = load(common)?;
    let path = find_json(&ws.workshop_dir, &ws.exercises_dir(), uid).ok_or_else(|| {
        fail(format!(
            "no dashboard with uid `{uid}` in workshop/dashboards or exercises/grafana"
        ))
    })?;
    let dash = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .and_then(|v| grafana::parse(&v))
        .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let from = from.unwrap_or_else(|| dash.from.clone());
    let to = to.unwrap_or_else(|| dash.to.clone());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let range = series::time_range(&from, &to, now).map_err(fail)?;
    // Every panel at once: a datasource that is down costs one timeout, not one per panel.
    let data = std::thread::scope(|s| {
        let asks: Vec<_> = dash
            .panels
            .iter()
            .map(|p| {
                s.spawn(|| {
                    lectern::runtime::datasource::query_panel(
                        &ws.config,
                        p,
                        range,
                        std::time::Duration::from_secs(5),
                    )
                })
            })
            .collect();
        asks.into_iter()
            .map(|a| a.join().unwrap_or_default())
            .collect()
    });
    let tab = DashboardTab {
        name: dash.title.clone(),
        url: String::new(),
        builtin: false,
        content: DashboardContent::Grafana {
            refresh: dash.refresh,
            dash: Box::new(dash),
            from,
            to,
            data,
            generation: 0,
            queried: None,
            pending: false,
        },
    };
    let width = width.unwrap_or(120).clamp(20, 1000);
    let height = height
        .unwrap_or_else(|| dashboard_view::natural_height(&tab, width))
        .clamp(4, 1000);
    lectern::say_part!(
        "{}",
        dashboard_view::render_text(&tab, &Default::default(), width, height, now)
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_notes(common: &CommonArgs) -> Result<ExitCode, ExitCode> {
    let ws = load(common)?;
    let store = lectern::runtime::Store::for_workshop(&ws);
    let socket = lectern::runtime::notes_socket::socket_path(store.dir());
    match lectern::app::notes_view::run(&socket) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            lectern::say_err!("lectern: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if (1.0..=1000.0).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a typing speed: characters a second, from 1 to 1000"
        )),
    }
}

fn cmd_run(
    args: &RunArgs,
    present: Option<lectern::engine::terminals::Pace>,
) -> Result<ExitCode, ExitCode> {
    let ws = load(&args.common)?;
    let opts = lectern::app::run::Options {
        trust: args.trust,
        restart: args.restart,
        allow_outside_files: args.allow_outside_files,
        reload: Some((
            args.common.dir.clone(),
            LoadOptions {
                pathway: args.common.pathway.clone(),
                vars: args.common.vars.clone(),
            },
        )),
        present,
        record: args.record.clone(),
    };
    match lectern::app::run::run(ws, opts) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            lectern::say_err!("lectern: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn cmd_new(dir: &Path, title: Option<String>, layout: NewLayout) -> Result<ExitCode, ExitCode> {
    use lectern::scaffold;
    let opts = scaffold::Options {
        title,
        layout: match layout {
            NewLayout::Classic => scaffold::Layout::Classic,
            NewLayout::Hugo => scaffold::Layout::Hugo,
        },
    };
    match scaffold::create(dir, &opts) {
        Ok(created) => {
            let shown = scaffold::shell_word(&dir.to_string_lossy());
            lectern::say_part!("{}", scaffold::summary(&created, &shown));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            lectern::say_err!("lectern: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// The manual: `lectern man` prints lectern(1); `--out-dir` writes it and a
/// page per command, as `man` finds them in a man1 folder.
fn cmd_man(out_dir: Option<&Path>) -> Result<ExitCode, ExitCode> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = vec![("lectern.1".to_string(), man_page(&cmd, "LECTERN"))];
    if out_dir.is_some() {
        for sub in cmd.get_subcommands() {
            let name = format!("lectern-{}", sub.get_name());
            pages.push((format!("{name}.1"), man_page(sub, &name.to_uppercase())));
        }
    }
    let fail = |what: &Path, e: std::io::Error| {
        lectern::say_err!("lectern: cannot write {}: {e}", what.display());
        ExitCode::from(2)
    };
    match out_dir {
        None => return write_stdout(&pages[0].1),
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
            for (file, text) in &pages {
                let path = dir.join(file);
                // Beside, then renamed: `man` never reads half a page.
                let tmp = dir.join(format!(".{file}.new"));
                std::fs::write(&tmp, text)
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| fail(&path, e))?;
                lectern::say!("{}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Write `bytes` to standard output; a reader that stopped early (`| head`)
/// is no error.
fn write_stdout(bytes: &[u8]) -> Result<ExitCode, ExitCode> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => {
            lectern::say_err!("lectern: cannot write to standard output: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// One page: clap_mangen's sections, then the examples kept as lines
/// (its own rendering would fill them into one paragraph).
fn man_page(cmd: &clap::Command, title: &str) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone())
        .title(title)
        .source(format!("lectern {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut out);
    }
    if cmd.has_subcommands() {
        let _ = man.render_subcommands_section(&mut out);
    }
    if let Some(examples) = cmd.get_after_help() {
        out.extend_from_slice(b".SH EXAMPLES\n.nf\n");
        for line in examples.to_string().lines().skip(1) {
            out.extend_from_slice(roff_line(line.trim_start()).as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b".fi\n");
    }
    if title == "LECTERN" {
        out.extend_from_slice(MAN_ENVIRONMENT.as_bytes());
    }
    // Each section rendered alone repeats roff's quote-string preamble; once is enough.
    let text = String::from_utf8_lossy(&out).into_owned();
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    match text.split_once(preamble) {
        Some((head, rest)) => {
            format!("{head}{preamble}{}", rest.replace(preamble, "")).into_bytes()
        }
        None => out,
    }
}

/// Text as one roff line: backslashes escaped, no line read as a request.
fn roff_line(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with(['.', '\'']) {
        format!("\\&{s}")
    } else {
        s
    }
}

const MAN_ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, lectern draws and prints without colour (bold and reverse video stay).
.TP
\fBSHELL\fR
The shell the terminals run (bash or zsh give each command's exit status).
.TP
\fBVISUAL\fR, \fBEDITOR\fR
The editor the e key opens (else vi).
.TP
\fBLECTERN_HYPERLINKS\fR
1 or 0: whether lesson links are OSC 8 hyperlinks on terminals lectern does not know.
.TP
\fBXDG_STATE_HOME\fR
Progress is kept in $XDG_STATE_HOME/lectern (default ~/.local/state/lectern).
.TP
\fBXDG_RUNTIME_DIR\fR
Where \fBlectern present\fR and \fBlectern notes\fR meet (a private socket; else in the state folder).
"#;
