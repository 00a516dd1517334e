//! The arguments of `cutover report` (the command runs in `report::cli`): parsed here so
//! that the parser needs nothing of the report.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for a postmortem document.
    #[default]
    Md,
    /// One JSON object (fields in the `report` module's documentation).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A CodeDeploy deployment id (d-XXXXXXXXX) or an ECS service deployment ARN.
    pub deployment: String,
    /// Markdown (md) or one JSON object (json).
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --output: replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}
