//! `marginalia matrix FOLDER --rows code --cols document|coder|var:NAME|code`: a code matrix of
//! a folder as CSV or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::error::Error;
use crate::export::csv::neutralise;
use crate::matrix::{self, Axis, Matrix, MatrixQuery, Share, Unit};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MatrixFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// A folder of documents (or one document).
    pub folder: PathBuf,
    /// What the rows are (codes).
    #[arg(long, default_value = "code", value_parser = ["code"])]
    pub rows: String,
    /// What the columns are: code (co-occurrence), document, coder or var:NAME.
    #[arg(long, value_name = "AXIS")]
    pub cols: String,
    /// Code x code: annotations co-occur when their spans overlap, or when they touch a common
    /// paragraph.
    #[arg(long, value_enum, default_value_t = Unit::Overlap)]
    pub unit: Unit,
    /// Only this coder's annotations; repeat for several.
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Vec<String>,
    /// Each cell as a share (0 to 1) instead of a count: `documents` (also plain `--share`), the
    /// share of documents containing the code (per document 0 or 1; per coder, of the documents
    /// the coder coded; per variable value, of the documents with that value; code x code, of
    /// all documents, where both co-occur), or `column`, the share of the column's total.
    #[arg(long, value_enum, value_name = "OF", num_args = 0..=1, default_missing_value = "documents")]
    pub share: Option<Share>,
    #[arg(long, value_enum, default_value_t = MatrixFormat::Csv)]
    pub format: MatrixFormat,
}

pub fn run(args: MatrixArgs) -> Result<i32, Error> {
    let cols = Axis::parse(&args.cols)?;
    let corpus = crate::corpus::load(&args.folder)?;
    let query = MatrixQuery { cols, unit: args.unit, coders: args.coder, share: args.share };
    let m = matrix::build(&corpus, &query)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = match args.format {
        MatrixFormat::Json => write_json(&m, args.share.is_some(), &mut out),
        MatrixFormat::Csv => write_csv(&m, &mut out),
    }
    .and_then(|()| out.flush());
    drop(out);
    for e in &corpus.unreadable {
        eprintln!("note: left out, unreadable: {e}");
    }
    // Counted, but not everything: a script should notice, as with `export`.
    let code = if corpus.unreadable.is_empty() { 0 } else { 1 };
    // The process ends here: freeing thousands of loaded documents one by one only costs time.
    std::mem::forget(corpus);
    Ok(code)
}

/// Counts as integers, shares as decimals.
fn write_json(m: &Matrix, share: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let counts: Vec<Vec<serde_json::Value>> = m
        .counts
        .iter()
        .map(|r| r.iter().map(|&n| if share { serde_json::json!(n) } else { serde_json::json!(n as u64) }).collect())
        .collect();
    let value = serde_json::json!({ "rows": m.rows, "cols": m.cols, "counts": counts });
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}

/// A header row (`code`, then the columns), then one row per code.
fn write_csv(m: &Matrix, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let mut header = vec!["code".to_owned()];
    header.extend(m.cols.iter().map(|c| neutralise(c).into_owned()));
    w.write_record(&header)?;
    for (code, counts) in m.rows.iter().zip(&m.counts) {
        let mut rec = vec![neutralise(code).into_owned()];
        rec.extend(counts.iter().map(|n| n.to_string()));
        w.write_record(&rec)?;
    }
    w.flush()
}
