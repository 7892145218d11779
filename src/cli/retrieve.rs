//! `marginalia retrieve FOLDER [--code CODE]... [--where VAR=VALUE]...`: every coded passage of
//! a folder that meets the conditions, as a table, CSV, JSON, an Excel workbook or HTML
//! (`--out FILE` writes a file).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::document::excerpt;
use crate::error::Error;
use crate::retrieve::write::{self, PassageFormat};
use crate::retrieve::{self, Passage, Query};
use crate::vars::Condition;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RetrieveFormat {
    Table,
    Csv,
    Json,
    /// An Excel workbook (needs --out).
    Xlsx,
    /// A self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub struct RetrieveArgs {
    /// A folder of documents (or one document).
    pub folder: PathBuf,
    /// A code (id or name); repeat for several. Passages coded with any of them are listed.
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub code: Vec<String>,
    /// List only passages coded with one of the --code codes on which the same coder also
    /// coded every other --code code (on an overlapping span).
    #[arg(long, requires = "code")]
    pub all_codes: bool,
    /// Only this coder's passages; repeat for several.
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Vec<String>,
    /// A condition on the document's variables: NAME=VALUE, NAME!=VALUE, NAME>=X, NAME<X...
    /// Repeat for several (all must hold).
    #[arg(long = "where", value_name = "VAR=VALUE", allow_hyphen_values = true)]
    pub conditions: Vec<String>,
    /// Only passages whose text or note contains this (case-insensitive).
    #[arg(long, value_name = "STR", allow_hyphen_values = true)]
    pub text: Option<String>,
    /// The format; without --format, --out's extension (.csv, .json, .xlsx, .html) decides,
    /// else a table.
    #[arg(long, value_enum)]
    pub format: Option<RetrieveFormat>,
    /// Write to this file (atomically) instead of the standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl RetrieveFormat {
    fn passages(self) -> Option<PassageFormat> {
        match self {
            RetrieveFormat::Table => None,
            RetrieveFormat::Csv => Some(PassageFormat::Csv),
            RetrieveFormat::Json => Some(PassageFormat::Json),
            RetrieveFormat::Xlsx => Some(PassageFormat::Xlsx),
            RetrieveFormat::Html => Some(PassageFormat::Html),
        }
    }
}

pub fn run(args: RetrieveArgs) -> Result<i32, Error> {
    let by_extension = args.out.as_deref().and_then(|o| o.extension()).and_then(|e| e.to_str()).and_then(|e| {
        PassageFormat::ALL.into_iter().find(|f| f.extension().eq_ignore_ascii_case(e)).map(|f| match f {
            PassageFormat::Csv => RetrieveFormat::Csv,
            PassageFormat::Json => RetrieveFormat::Json,
            PassageFormat::Xlsx => RetrieveFormat::Xlsx,
            PassageFormat::Html => RetrieveFormat::Html,
        })
    });
    let format = args.format.or(by_extension).unwrap_or(RetrieveFormat::Table);
    if format == RetrieveFormat::Xlsx && args.out.is_none() {
        return Err(Error::usage("an Excel workbook is written to a file").hint("add --out passages.xlsx"));
    }
    let conditions = args.conditions.iter().map(|c| Condition::parse(c)).collect::<Result<Vec<_>, _>>()?;
    let corpus = crate::corpus::load(&args.folder)?;
    let query = Query {
        codes: retrieve::resolve_codes(&corpus, &args.code)?,
        all_codes: args.all_codes,
        coders: args.coder,
        conditions,
        text: args.text,
    };
    let passages = retrieve::retrieve(&corpus, &query)?;
    let title = format!("Passages retrieved from {}", args.folder.display());
    match (&args.out, format.passages()) {
        (Some(path), Some(f)) => {
            crate::io::write_atomic(path, &write::to_bytes(&passages, f, &title)?, false)?;
            eprintln!("wrote {} passage(s) to {}", passages.len(), path.display());
        }
        (Some(path), None) => {
            let mut text = Vec::new();
            let _ = write_table(&passages, &mut text);
            crate::io::write_atomic(path, &text, false)?;
        }
        (None, f) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) ends the listing quietly.
            let _ = match f {
                Some(PassageFormat::Json) => write::write_json(&passages, &mut out),
                Some(PassageFormat::Csv) => write::write_csv(&passages, &mut out),
                Some(PassageFormat::Html) => out.write_all(write::html(&passages, &title).as_bytes()),
                Some(PassageFormat::Xlsx) | None => write_table(&passages, &mut out),
            }
            .and_then(|()| out.flush());
        }
    }
    for e in &corpus.unreadable {
        eprintln!("note: left out, unreadable: {e}");
    }
    Ok(if corpus.unreadable.is_empty() { 0 } else { 1 })
}

fn write_table(passages: &[Passage], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{:<24}  {:<12}  {:<22}  {:>13}  {:<50}  NOTE", "DOCUMENT", "CODER", "CODE", "SPAN", "TEXT")?;
    for p in passages {
        let span = match (p.start, p.end) {
            (Some(s), Some(e)) => format!("{s}..{e}"),
            _ => "orphaned".to_owned(),
        };
        let line = format!(
            "{:<24}  {:<12}  {:<22}  {:>13}  {:<50}  {}",
            excerpt(&p.document, 24),
            excerpt(&p.coder, 12),
            excerpt(&p.code_name, 22),
            span,
            excerpt(&p.exact, 50),
            excerpt(&p.note, 40)
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    let documents = passages.iter().map(|p| &p.document).collect::<std::collections::HashSet<_>>().len();
    writeln!(out, "{} passage(s) in {documents} document(s)", passages.len())
}
