//! `marginalia vars import FOLDER FILE.csv` and `marginalia vars export FOLDER [-o FILE]`: the
//! folder's document variables to and from a CSV table (one row per document).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::error::Error;
use crate::vars::{self, Kind};

#[derive(Debug, Args)]
pub struct VarsArgs {
    #[command(subcommand)]
    pub command: VarsCommand,
}

#[derive(Debug, Subcommand)]
pub enum VarsCommand {
    /// Read a CSV table (first column: the document's file name; then one column per variable)
    /// into the folder's variables file. Values of other variables and documents are kept.
    Import(ImportArgs),
    /// Write the folder's variables as a CSV table, one row per document.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The folder of documents.
    pub folder: PathBuf,
    /// The CSV table (UTF-8, comma-separated, with a header row).
    pub file: PathBuf,
    /// The kind of a column (text, number, date, choice), e.g. --kind party=choice. Without
    /// it a new variable is a number if every value is one, a date if every value is
    /// YYYY-MM-DD, else text.
    #[arg(long, value_name = "NAME=KIND")]
    pub kind: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder of documents.
    pub folder: PathBuf,
    /// The CSV file to write; `-` or nothing writes to standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: VarsArgs) -> Result<i32, Error> {
    match args.command {
        VarsCommand::Import(a) => import(a),
        VarsCommand::Export(a) => export(a),
    }
}

/// The file names of the folder's documents, in order.
fn document_names(folder: &Path) -> Result<Vec<String>, Error> {
    if !folder.is_dir() {
        return Err(Error::usage("is not a folder").in_file(folder).hint("variables belong to a folder of documents"));
    }
    Ok(crate::corpus::documents_in(folder)?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect())
}

fn parse_kinds(specs: &[String]) -> Result<BTreeMap<String, Kind>, Error> {
    let mut kinds = BTreeMap::new();
    for spec in specs {
        let parsed = spec.rsplit_once('=').and_then(|(name, kind)| Some((name.trim().to_owned(), Kind::parse(kind)?)));
        let Some((name, kind)) = parsed else {
            return Err(Error::usage(format!("--kind \"{spec}\" is not NAME=KIND"))
                .hint("write e.g. --kind party=choice (kinds: text, number, date, choice)"));
        };
        kinds.insert(name, kind);
    }
    Ok(kinds)
}

fn import(args: ImportArgs) -> Result<i32, Error> {
    let declared = parse_kinds(&args.kind)?;
    let documents = document_names(&args.folder)?;
    let bytes = crate::io::read_regular(&args.file, "cannot read the table")?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::new(crate::error::ErrorKind::Format, "is not UTF-8 text")
            .in_file(&args.file)
            .at(line, 1)
            .hint("save the table as CSV UTF-8 (in Excel: Save As > CSV UTF-8)")
    })?;
    let report = vars::update(&args.folder, |v| vars::import_csv(v, text, &args.file, &declared, &documents))?;
    let kinds: Vec<String> = report.variables.iter().map(|(n, k)| format!("{n} ({})", k.label())).collect();
    println!(
        "{} value(s) of {} document(s) imported into {}: {}",
        report.values,
        report.documents,
        vars::path_in(&args.folder).display(),
        kinds.join(", ")
    );
    Ok(0)
}

fn export(args: ExportArgs) -> Result<i32, Error> {
    let documents = document_names(&args.folder)?;
    let variables = vars::load(&args.folder)?;
    match args.output.as_deref().filter(|p| *p != Path::new("-")) {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::export::variables::write(&variables, &documents, &mut out)?;
            let _ = out.flush();
        }
        Some(path) => {
            let mut buf = Vec::new();
            crate::export::variables::write(&variables, &documents, &mut buf)?;
            crate::io::write_atomic(path, &buf, false)?;
            eprintln!(
                "{} variable(s) of {} document(s) written to {}",
                variables.variables.len(),
                documents.len(),
                path.display()
            );
        }
    }
    Ok(0)
}
