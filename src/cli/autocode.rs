//! `marginalia autocode FOLDER --pattern REGEX --code CODE`: code every match of a pattern in a
//! folder's documents, one undo step per document, saved as `add` saves (under the sidecar's
//! lock, atomically). `--dry-run` lists the matches with their context and writes nothing.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::autocode;
use crate::document::{Document, excerpt};
use crate::error::Error;

#[derive(Debug, Args)]
pub struct AutocodeArgs {
    /// A folder of documents (or one document).
    pub folder: PathBuf,
    /// A regular expression (Rust regex syntax; start it with (?i) to ignore case).
    #[arg(long, value_name = "REGEX", allow_hyphen_values = true)]
    pub pattern: String,
    /// The code's id or name (case-insensitive).
    #[arg(long, allow_hyphen_values = true)]
    pub code: String,
    /// Your name as a coder (default: $MARGINALIA_CODER, else your user name).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Option<String>,
    /// Match whole words only (the match starts and ends at a word boundary).
    #[arg(long)]
    pub whole_words: bool,
    /// List the matches with their context; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Characters of context shown on each side of a match in a dry run.
const CONTEXT: usize = 30;

pub fn run(args: AutocodeArgs) -> Result<i32, Error> {
    let re = autocode::compile(&args.pattern, args.whole_words)?;
    let coder = args.coder.clone().unwrap_or_else(super::default_coder);
    let documents = if args.folder.is_dir() { crate::corpus::documents_in(&args.folder)? } else { vec![args.folder.clone()] };
    // The code is checked against the folder's codebook once, before anything is written.
    let first = documents.first().ok_or_else(|| {
        Error::usage("holds no .txt or .md documents").in_file(&args.folder).hint("pass a folder of documents or one document")
    })?;
    let folder_book = crate::session::codebook_for(first)?;
    let code = folder_book
        .resolve(&args.code)
        .ok_or_else(|| {
            let names: Vec<String> = folder_book.codes.iter().map(|c| format!("{} ({})", c.name, c.id)).collect();
            Error::usage(format!("there is no code \"{}\" in this folder's codebook", args.code))
                .hint(format!("use one of: {}", names.join(", ")))
        })?
        .id
        .clone();
    let (mut hits, mut added, mut changed, mut with_matches) = (0usize, 0usize, 0usize, 0usize);
    let mut failed = Vec::new();
    for path in &documents {
        let outcome = if args.dry_run { dry_run(path, &re).map(|n| (n, 0)) } else { code_document(path, &re, &code, &coder) };
        match outcome {
            Ok((n, a)) => {
                hits += n;
                with_matches += usize::from(n > 0);
                added += a;
                changed += usize::from(a > 0);
            }
            Err(e) => failed.push(e),
        }
    }
    if args.dry_run {
        // Counted as the app's Find in folder counts: the documents that have a match.
        println!(
            "{hits} match(es) in {with_matches} document(s) (of {} searched); nothing was changed (run without --dry-run to code them)",
            documents.len()
        );
    } else {
        println!(
            "{hits} match(es); {added} annotation(s) coded {code} added in {changed} document(s) ({} already coded)",
            hits - added
        );
    }
    for e in &failed {
        eprintln!("error: {e}");
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

/// Prints each match of one document with its place and context; returns how many there are.
fn dry_run(path: &Path, re: &regex::Regex) -> Result<usize, Error> {
    let doc = Document::open(path)?;
    let spans = autocode::find(&doc, re);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for s in &spans {
        let (line, col) = doc.line_col(s.start);
        // Context within the line, so that each match is one line of output.
        let before = doc.before(s.start, CONTEXT);
        let before = before.rsplit(['\n', '\r']).next().unwrap_or_default();
        let after = doc.after(s.end, CONTEXT);
        let after = after.split(['\n', '\r']).next().unwrap_or_default();
        println!(
            "{name}:{line}:{col}\t{}[{}]{}",
            crate::error::printable(before),
            crate::error::printable(&excerpt(doc.slice(*s), 80)),
            crate::error::printable(after)
        );
    }
    Ok(spans.len())
}

/// Codes the matches of one document and saves it; returns (matches, annotations added).
fn code_document(path: &Path, re: &regex::Regex, code: &str, coder: &str) -> Result<(usize, usize), Error> {
    super::with_locked_session(path, None, coder, |session| {
        let spans = autocode::find(&session.doc, re);
        let Some(action) = autocode::action(&session.doc, session.edits.annotations(), &spans, code, coder) else {
            return Ok((spans.len(), 0));
        };
        let added = match &action {
            crate::edits::Action::AutoCode(a) => a.len(),
            _ => 0,
        };
        session.apply(action).map_err(|e| e.in_file(&session.sidecar_path))?;
        session.save()?;
        Ok((spans.len(), added))
    })
}
