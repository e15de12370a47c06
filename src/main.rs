//! The `lectern` command line: parses arguments and calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use lectern::workshop::{self, vars::parse_assignment, LoadOptions, Workshop};
use lectern::{check, page, text_render};

#[derive(Parser)]
#[command(
    name = "lectern",
    version,
    about = "Run hands-on workshops (Educates format) in the terminal"
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
    Run(RunArgs),
    /// Check a workshop's content and report problems with file:line:col.
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
    },
    /// Print a page as plain text, or draw a dashboard from its datasources.
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
}

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
        eprintln!("lectern: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        }) => {
            let opts = lectern::headless::TestOptions {
                budget,
                junit,
                dry_run,
                page,
                in_place,
                allow_outside: allow_outside_files,
            };
            let load = LoadOptions {
                pathway: common.pathway.clone(),
                vars: common.vars.clone(),
            };
            match lectern::headless::run(&common.dir, &load, &opts) {
                Ok(true) => Ok(ExitCode::SUCCESS),
                Ok(false) => Ok(ExitCode::from(1)),
                Err(e) => {
                    eprintln!("lectern: {e}");
                    Err(ExitCode::from(2))
                }
            }
        }
        Some(Command::Run(args)) => cmd_run(&args),
        None => cmd_run(&cli.run),
    };
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
            print!("{}", report.render_text(&base));
        }
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("lectern: cannot write JSON: {e}");
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
                eprintln!(
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
    print!("{out}");
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
        eprintln!("lectern: {msg}");
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
    print!(
        "{}",
        dashboard_view::render_text(&tab, &Default::default(), width, height, now)
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_run(args: &RunArgs) -> Result<ExitCode, ExitCode> {
    let ws = load(&args.common)?;
    let opts = lectern::app::run::Options {
        trust: args.trust,
        restart: args.restart,
        allow_outside_files: args.allow_outside_files,
    };
    match lectern::app::run::run(ws, opts) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("lectern: {e}");
            Err(ExitCode::from(2))
        }
    }
}
