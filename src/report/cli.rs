//! `cutover report DEPLOYMENT [--format md|json] [--output FILE [--force]]`: the report of
//! one deployment, read from the one source the global flags name, printed or written to a
//! file. Exit codes: 0 written (gaps are named in the document, and counted on stderr), 1 the
//! deployment itself could not be read or the file not written, 2 bad input (an id that names
//! no deployment, a file that exists without `--force`, several sources); nothing is read
//! when the input is bad.

use std::io::Write as _;
use std::path::Path;

use crate::audit::Audit;
use crate::aws::{ConnectOptions, connect};
use crate::cli::GlobalArgs;
pub use crate::cli::report::{Format, ReportArgs};
use crate::config::Config;
use crate::ops::cli::{EXIT_FAILED, EXIT_INVALID};

use super::{ReportError, gather, markdown, parse};

/// Runs `cutover report`; the process exit code.
pub fn run(args: &ReportArgs, global: &GlobalArgs) -> i32 {
    match run_inner(args, global) {
        Ok(gaps) => {
            if gaps > 0 {
                eprintln!(
                    "cutover report: {gaps} part(s) could not be read; the report names them"
                );
            }
            0
        }
        Err((code, message)) => {
            eprintln!("cutover report: {message}");
            code
        }
    }
}

fn run_inner(args: &ReportArgs, global: &GlobalArgs) -> Result<usize, (i32, String)> {
    let invalid = |message: String| (EXIT_INVALID, message);
    parse(&args.deployment).map_err(|e| invalid(e.to_string()))?;
    if let Some(path) = &args.output
        && !args.force
        && path.exists()
    {
        return Err(invalid(format!(
            "{} exists: pass --force to replace it",
            path.display()
        )));
    }
    let config = Config::load(global.aws.config.as_deref()).map_err(|e| invalid(e.to_string()))?;
    let source = global
        .aws
        .sources(&config)
        .and_then(|sources| crate::sources::one(sources, "a report reads"))
        .map_err(invalid)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
    let report = runtime.block_on(async {
        let clients = connect(&ConnectOptions {
            profile: source.profile,
            region: source.region,
            endpoint_url: global.aws.endpoint_url.clone(),
            max_attempts: None,
            concurrency: 4,
            static_credentials: None,
            budgets: Some(config.budgets),
            timeouts: None,
        })
        .await;
        Box::pin(gather(
            &clients,
            &args.deployment,
            Audit::default_location().as_ref(),
        ))
        .await
    });
    let report = report.map_err(|e| match e {
        ReportError::Invalid(m) | ReportError::NotFound(m) => invalid(m),
        ReportError::Aws(e) => (EXIT_FAILED, format!("cannot read the deployment: {e}")),
    })?;
    let text = match args.format {
        Format::Md => markdown(&report),
        Format::Json => {
            let mut json =
                serde_json::to_string_pretty(&report).map_err(|e| (EXIT_FAILED, e.to_string()))?;
            json.push('\n');
            json
        }
    };
    match &args.output {
        Some(path) => write(path, &text, args.force)
            .map_err(|e| (EXIT_FAILED, format!("cannot write {}: {e}", path.display())))?,
        None => print!("{text}"),
    }
    Ok(report.gaps.len())
}

/// Writes the file; without `force`, only a new one (a file that appeared since the check
/// is not replaced either).
pub fn write(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path)?.write_all(text.as_bytes())
}
