//! `marginalia import FILE [--into FOLDER]`: brat .ann (with its .txt), W3C Web Annotation
//! JSON-LD or JSON lines, SemEval-2020 Task 11 labels files, a folder of brat or SemEval files,
//! REFI-QDA projects, and documents in HTML or .docx.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A REFI-QDA .qdpx project, a brat .ann, a W3C .json/.jsonld/.jsonl, a SemEval .labels,
    /// an .html or a .docx file; or a folder of brat files or SemEval labels files.
    pub file: PathBuf,
    /// The folder to put documents and sidecars in (default: the file's folder).
    #[arg(long, value_name = "FOLDER")]
    pub into: Option<PathBuf>,
    /// The coder named on imported annotations that name none (default: $MARGINALIA_CODER,
    /// else your user name). Each coder's annotations go into their own sidecar.
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Option<String>,
}

pub fn run(args: ImportArgs) -> Result<i32, Error> {
    let coder = args.coder.clone().unwrap_or_else(super::default_coder);
    let summary = crate::import::import(&args.file, args.into.as_deref(), &coder)?;
    // The import is done when the summary is printed: an output that closed early (`| head`)
    // ends the listing quietly, as it does for `list`.
    let mut out = std::io::stdout().lock();
    let _ = summary.lines().iter().try_for_each(|line| writeln!(out, "{line}")).and_then(|()| out.flush());
    Ok(0)
}
