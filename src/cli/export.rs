//! `marginalia export PATH --format FORMAT -o OUT`: a document or folder, with every coder's
//! sidecar, written as CSV, an Excel workbook, JSON lines, W3C Web Annotation, brat, SemEval-2020
//! Task 11 labels, an HTML report or a REFI-QDA project.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValue;

use crate::error::Error;
use crate::export::{self, Format, Options};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A document (.txt or .md) or a folder of documents.
    pub path: PathBuf,
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// The file to write (a folder for brat and semeval).
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: PathBuf,
    /// CSV: start with a byte-order mark so that Excel reads UTF-8.
    #[arg(long)]
    pub excel: bool,
    /// W3C: one annotation per line instead of one AnnotationCollection.
    #[arg(long)]
    pub jsonl: bool,
    /// HTML: include documents that have no annotations (left out by default).
    #[arg(long)]
    pub include_empty: bool,
}

/// `--format`: the core's [`Format`], named on the command line by [`Format::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub Format);

impl clap::ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        // In the order the help lists them.
        const ALL: [FormatArg; 8] = [
            FormatArg(Format::Csv),
            FormatArg(Format::Jsonl),
            FormatArg(Format::W3c),
            FormatArg(Format::Brat),
            FormatArg(Format::Html),
            FormatArg(Format::Qdpx),
            FormatArg(Format::Xlsx),
            FormatArg(Format::Semeval),
        ];
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.about()))
    }
}

pub fn run(args: ExportArgs) -> Result<i32, Error> {
    let format = args.format.0;
    if args.excel && format != Format::Csv {
        return Err(Error::usage("--excel applies to --format csv only"));
    }
    if args.jsonl && format != Format::W3c {
        return Err(
            Error::usage("--jsonl applies to --format w3c only").hint("use --format jsonl for Marginalia's own JSON lines")
        );
    }
    if args.include_empty && format != Format::Html {
        return Err(Error::usage("--include-empty applies to --format html only"));
    }
    let corpus = crate::corpus::load(&args.path)?;
    let options = Options { excel: args.excel, jsonl: args.jsonl, include_empty: args.include_empty };
    // On a terminal, a long export shows how far it has come (it reports every thousand
    // annotations); Ctrl+C stops it and, as with any cancel, leaves nothing half-written.
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |done: usize, total: usize| {
        if show && total >= 2 * export::PROGRESS_EVERY {
            eprint!("\rexporting: {done} of {total} annotations ({}%)", done * 100 / total.max(1));
            if done == total {
                eprintln!();
            }
        }
        true
    };
    let summary = export::write(&corpus, format, &options, &args.out, &progress)?;
    println!(
        "{}: {} annotation(s) of {} document(s) written to {}",
        format.label(),
        summary.annotations,
        summary.documents,
        args.out.display()
    );
    if format == Format::Csv {
        println!(
            "note: cells starting with = + - @ or a tab got a leading ' so spreadsheets do not run them; jsonl keeps the exact text"
        );
    }
    for n in &summary.notes {
        println!("note: {n}");
    }
    // Exported, but not everything (the notes above name each file): say so on stderr and in
    // the exit code, so that a script notices.
    if corpus.unreadable.is_empty() {
        return Ok(0);
    }
    eprintln!(
        "error: {} file(s) of {} could not be read and were left out of the export (see the notes above); the rest was exported",
        corpus.unreadable.len(),
        args.path.display()
    );
    Ok(1)
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn every_export_format_can_be_named_on_the_command_line() {
        for format in Format::ALL {
            assert_eq!(FormatArg::from_str(format.name(), false), Ok(FormatArg(format)));
        }
        assert_eq!(FormatArg::value_variants().len(), Format::ALL.len());
        assert!(FormatArg::from_str("docx", false).is_err());
    }
}
