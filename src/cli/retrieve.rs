//! `marginalia retrieve FOLDER [--code CODE]... [--where VAR=VALUE]...`: every coded passage of
//! a folder that meets the conditions, as a table, CSV or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::document::excerpt;
use crate::error::Error;
use crate::export::csv::neutralise;
use crate::retrieve::{self, Passage, Query};
use crate::vars::Condition;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RetrieveFormat {
    Table,
    Csv,
    Json,
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
    #[arg(long, value_enum, default_value_t = RetrieveFormat::Table)]
    pub format: RetrieveFormat,
}

pub fn run(args: RetrieveArgs) -> Result<i32, Error> {
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`| head`) ends the listing quietly.
    let _ = match args.format {
        RetrieveFormat::Json => write_json(&passages, &mut out),
        RetrieveFormat::Csv => write_csv(&passages, &mut out),
        RetrieveFormat::Table => write_table(&passages, &mut out),
    }
    .and_then(|()| out.flush());
    drop(out);
    for e in &corpus.unreadable {
        eprintln!("note: left out, unreadable: {e}");
    }
    Ok(if corpus.unreadable.is_empty() { 0 } else { 1 })
}

fn write_json(passages: &[Passage], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, passages)?;
    writeln!(out)
}

/// The JSON fields as columns; formula-like cells get a leading `'` as in the CSV export.
fn write_csv(passages: &[Passage], out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(["document", "coder", "code", "code_name", "start", "end", "exact", "note", "id"])?;
    let num = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    for p in passages {
        w.write_record([
            neutralise(&p.document).as_ref(),
            &neutralise(&p.coder),
            &neutralise(&p.code),
            &neutralise(&p.code_name),
            &num(p.start),
            &num(p.end),
            &neutralise(&p.exact),
            &neutralise(&p.note),
            &p.id,
        ])?;
    }
    w.flush()
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
