//! The command line: subcommands on the same core the GUI uses.
//!
//! Every error is one line on stderr (file, place, what to do) and a non-zero exit; user
//! mistakes never panic or print a backtrace. With no subcommand the desktop app opens.

mod autocode;
mod class;
mod export;
mod git;
mod import;
mod matrix;
mod retrieve;
mod vars;

use std::io::Write;
use std::path::PathBuf;

#[cfg(feature = "gui")]
mod bench;
mod codebook;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod agree;

use crate::annotation::{AnchorStatus, Annotation};
use crate::document::{Span, excerpt};
use crate::edits::Action;
use crate::error::{Error, ErrorKind};
use crate::session::{Session, default_coder};

/// Close reading and qualitative coding: select a passage, tag it with a code, keep it in a
/// plain RON sidecar beside the document.
#[derive(Debug, Parser)]
#[command(name = "marginalia", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Documents or folders to open in the desktop app.
    pub paths: Vec<PathBuf>,
    /// Who codes in the desktop app during this run (default: the person the app knows, else
    /// $MARGINALIA_CODER): that person when the name is theirs, else another person, with
    /// sidecars of their own.
    #[arg(long)]
    pub coder: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an annotation to a document (creates the sidecar if there is none).
    Add(AddArgs),
    /// Link two annotations of a document with a link type of its codebook (the link goes
    /// from --from to --to: the evidence to the claim it supports).
    AddLink(AddLinkArgs),
    /// List a document's annotations.
    List(ListArgs),
    /// Validate a document's sidecar, re-anchor its annotations and report.
    /// Exit 0: all anchored; 1: some re-anchored or orphaned; 2: an error.
    Check(SidecarArgs),
    /// List the shipped codebooks; export a codebook as RON or REFI-QDA (.qdc); import one.
    Codebook(codebook::CodebookArgs),
    /// Export a document or folder (every coder's annotations) as csv, jsonl, w3c, brat, html or qdpx.
    Export(export::ExportArgs),
    /// Import a REFI-QDA .qdpx project, brat .ann, W3C annotations (.json/.jsonld/.jsonl), or an .html/.docx document.
    Import(import::ImportArgs),
    /// Inter-coder agreement of several sidecars of one document (F1, Cohen's and Fleiss'
    /// kappa, Krippendorff's alpha and unitizing alpha), or with --key a class report scoring
    /// each sidecar against an answer key.
    Agree(agree::AgreeArgs),
    /// Document variables of a folder (outlet, date, party...): import from or export to CSV.
    Vars(vars::VarsArgs),
    /// Every coded passage of a folder that meets conditions on codes, coders, document
    /// variables and text. Exit 1 when some file of the folder could not be read.
    Retrieve(retrieve::RetrieveArgs),
    /// A matrix of codes by document, coder, document variable or code (co-occurrence).
    /// Exit 1 when some file of the folder could not be read (it is named and left out).
    Matrix(matrix::MatrixArgs),
    /// Code every match of a regular expression in a folder's documents (one undo step per
    /// document); --dry-run lists the matches.
    Autocode(autocode::AutocodeArgs),
    /// Git merge driver for sidecars: merges two versions annotation by annotation (by id).
    /// Set up by `marginalia git-setup`. Exit 1 when both sides changed an annotation.
    MergeDriver(git::MergeDriverArgs),
    /// Make the git repository of a folder merge sidecars with `marginalia merge-driver`
    /// (writes .gitattributes and the repository's local git config).
    GitSetup(git::GitSetupArgs),
    /// The classroom: pack an assignment, unpack it, hand in, collect, name the key, grade.
    Class(class::ClassArgs),
    /// Measure speed and memory on generated documents: frame time, open, save, exports.
    #[cfg(feature = "gui")]
    Bench(bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct SidecarArgs {
    /// The document (.txt or .md).
    pub document: PathBuf,
    /// The sidecar to use. Default: to read, DOCUMENT.annotations.ron; to write (add,
    /// add-link, autocode), the coder's own: the one whose header has their name, else
    /// DOCUMENT.annotations.ron while there is none, else DOCUMENT.<name>.annotations.ron.
    #[arg(long, value_name = "PATH")]
    pub sidecar: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub target: SidecarArgs,
    /// The code's id or name (case-insensitive).
    #[arg(long, allow_hyphen_values = true)]
    pub code: String,
    /// Code points START..END (end exclusive), widened to whole characters (graphemes).
    #[arg(long, value_name = "START..END", conflicts_with = "quote", required_unless_present = "quote")]
    pub range: Option<String>,
    /// The exact text to annotate (may start with "-").
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub quote: Option<String>,
    /// Which occurrence of --quote (1 = first).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "quote")]
    pub occurrence: usize,
    /// A note on the annotation (may start with "-", e.g. --note '-à revoir').
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
    /// Your name as a coder (default: $MARGINALIA_CODER, else your user name).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddLinkArgs {
    #[command(flatten)]
    pub target: SidecarArgs,
    /// The id of the annotation the link starts from (or a unique start of it, as `list` shows).
    #[arg(long, value_name = "ID")]
    pub from: String,
    /// The id of the annotation the link points to (or a unique start of it).
    #[arg(long, value_name = "ID")]
    pub to: String,
    /// The link type's id or name (case-insensitive), e.g. supports or "Evidence for".
    #[arg(long = "type", value_name = "TYPE", allow_hyphen_values = true)]
    pub link_type: String,
    /// A note on the link (may start with "-").
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
    /// Your name as a coder (default: $MARGINALIA_CODER, else your user name).
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub coder: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: SidecarArgs,
    /// Whose annotations: the sidecar whose header has this coder's name (default: the
    /// unnamed sidecar, else the document's only sidecar).
    #[arg(long, value_name = "NAME", conflicts_with = "sidecar", allow_hyphen_values = true)]
    pub coder: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// Runs the CLI and returns the process exit code. `open_gui` is called when there is no
/// subcommand.
pub fn run(cli: Cli, open_gui: impl FnOnce(Vec<PathBuf>, Option<String>) -> i32) -> i32 {
    let Some(command) = cli.command else { return open_gui(cli.paths, cli.coder.filter(|c| !c.trim().is_empty())) };
    let result = match command {
        Command::Add(args) => add(args),
        Command::AddLink(args) => add_link(args),
        Command::List(args) => list(args),
        Command::Check(args) => check(args),
        Command::Codebook(args) => codebook::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Agree(args) => agree::run(args),
        Command::Vars(args) => vars::run(args),
        Command::Retrieve(args) => retrieve::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Autocode(args) => autocode::run(args),
        Command::MergeDriver(args) => git::merge_driver(args),
        Command::GitSetup(args) => git::git_setup(args),
        Command::Class(args) => class::run(args),
        #[cfg(feature = "gui")]
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            2
        }
    }
}

pub fn report_error(e: &Error) {
    let _ = writeln!(std::io::stderr(), "error: {e}");
}

fn parse_range(s: &str) -> Result<Span, Error> {
    let bad = || Error::usage(format!("--range \"{s}\" is not START..END")).hint("write code point positions like 10..42");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let start: usize = a.trim().parse().map_err(|_| bad())?;
    let end: usize = b.trim().parse().map_err(|_| bad())?;
    if start >= end {
        return Err(Error::usage(format!("--range {s} is empty or backwards")).hint("END must be greater than START"));
    }
    Ok(Span::new(start, end))
}

fn add(args: AddArgs) -> Result<i32, Error> {
    let coder = args.coder.clone().unwrap_or_else(default_coder);
    // Read, add and write as one step: another writer of the same sidecar (a second `add`, the
    // app saving) waits until this one is done, so that neither loses the other's change.
    let (document, sidecar) = (args.target.document.clone(), args.target.sidecar.clone());
    with_locked_session(&document, sidecar.as_deref(), &coder, |session| add_to(session, args, &coder))
}

/// Opens a document with its sidecar (`sidecar`, else the default one) and lets `change` edit
/// and save it, holding the sidecar's lock from reading to writing: another writer of the same
/// sidecar (a second command, the app saving) waits until this one is done, so that neither
/// loses the other's change.
pub(crate) fn with_locked_session<T>(
    document: &std::path::Path,
    sidecar: Option<&std::path::Path>,
    coder: &str,
    change: impl FnOnce(&mut Session) -> Result<T, Error>,
) -> Result<T, Error> {
    // Without --sidecar: the coder's own file, never another person's (see coder::sidecar_for_name).
    let sidecar_path =
        sidecar.map(std::path::Path::to_path_buf).unwrap_or_else(|| crate::coder::sidecar_for_name(document, coder));
    let _lock = crate::io::lock(&crate::io::resolve(&sidecar_path)?)?;
    let mut session = Session::open(document, Some(&sidecar_path), coder)?;
    change(&mut session)
}

fn add_to(session: &mut Session, args: AddArgs, coder: &str) -> Result<i32, Error> {
    let doc_path = &args.target.document;
    let code = session
        .edits
        .codebook()
        .resolve(&args.code)
        .ok_or_else(|| {
            let names: Vec<String> = session.edits.codebook().codes.iter().map(|c| format!("{} ({})", c.name, c.id)).collect();
            Error::usage(format!("there is no code \"{}\" in this document's codebook", args.code))
                .in_file(&session.sidecar_path)
                .hint(format!("use one of: {}", names.join(", ")))
        })?
        .id
        .clone();
    let span = match (&args.range, &args.quote) {
        (Some(r), _) => {
            let span = parse_range(r)?;
            if span.end > session.doc.len_chars() {
                return Err(Error::usage(format!(
                    "--range {span} is past the end of the text, which has {} characters",
                    session.doc.len_chars()
                ))
                .in_file(doc_path)
                .hint("check the positions with `marginalia list`"));
            }
            span
        }
        (None, Some(q)) => find_quote(session, q, args.occurrence).map_err(|e| e.in_file(doc_path))?,
        (None, None) => return Err(Error::usage("give --range or --quote")),
    };
    let mut annotation = Annotation::new(&session.doc, span, &code, coder);
    if let Some(note) = args.note {
        annotation.note = note;
    }
    let id = annotation.id;
    session.apply(Action::Add(annotation))?;
    session.save()?;
    let a = session.edits.get(id).ok_or_else(|| Error::new(ErrorKind::Usage, "the annotation was not added"))?;
    println!("{}\t{}\t{}..{}\t{}", a.id, a.code, a.start, a.end, excerpt(&a.exact, 60));
    Ok(0)
}

/// The one sidecar of `document` with an annotation whose id is or starts with `id`.
fn sidecar_holding(document: &std::path::Path, id: &str) -> Option<PathBuf> {
    let id = id.trim().to_lowercase();
    if id.is_empty() {
        return None;
    }
    let mut holding = crate::sidecar::find_sidecars(document).into_iter().filter(|p| {
        crate::sidecar::read(p).ok().flatten().is_some_and(|s| s.annotations.iter().any(|a| a.id.to_string().starts_with(&id)))
    });
    let first = holding.next()?;
    holding.next().is_none().then_some(first)
}

fn add_link(args: AddLinkArgs) -> Result<i32, Error> {
    let coder = args.coder.clone().unwrap_or_else(default_coder);
    // The same one step under the sidecar's lock as `add`.
    // Without --sidecar: the sidecar that holds the annotation the link starts from (a link
    // joins two annotations of one file), else the coder's own.
    let sidecar_path = args
        .target
        .sidecar
        .clone()
        .or_else(|| sidecar_holding(&args.target.document, &args.from))
        .unwrap_or_else(|| crate::coder::sidecar_for_name(&args.target.document, &coder));
    let _lock = crate::io::lock(&crate::io::resolve(&sidecar_path)?)?;
    let mut session = Session::open(&args.target.document, Some(&sidecar_path), &coder)?;
    let origin = annotation_id(&session, &args.from, "--from")?;
    let target = annotation_id(&session, &args.to, "--to")?;
    let cb = session.edits.codebook();
    let link_type = cb
        .resolve_link_type(&args.link_type)
        .ok_or_else(|| {
            let names: Vec<String> = cb.link_types.iter().map(|t| format!("{} ({})", t.name, t.id)).collect();
            Error::usage(format!("there is no link type \"{}\" in this document's codebook", excerpt(&args.link_type, 60)))
                .in_file(&session.sidecar_path)
                .hint(if names.is_empty() {
                    "add link types to the codebook (`link_types` in its RON) first".to_owned()
                } else {
                    format!("use one of: {}", names.join(", "))
                })
        })?
        .id
        .clone();
    let mut link = crate::link::Link::new(&link_type, origin, target, &coder);
    if let Some(note) = args.note {
        link.note = note;
    }
    let id = link.id;
    session.apply(Action::AddLink(link)).map_err(|e| e.in_file(&session.sidecar_path))?;
    session.save()?;
    println!("{id}\t{link_type}\t{origin}\t{target}");
    Ok(0)
}

/// The annotation a command-line id names: a whole id, or the start of exactly one.
fn annotation_id(session: &Session, given: &str, flag: &str) -> Result<uuid::Uuid, Error> {
    let wanted = given.trim().to_lowercase();
    if let Ok(id) = uuid::Uuid::parse_str(&wanted)
        && session.edits.get(id).is_some()
    {
        return Ok(id);
    }
    let found: Vec<uuid::Uuid> = if wanted.len() >= 4 {
        session.edits.annotations().iter().map(|a| a.id).filter(|id| id.to_string().starts_with(&wanted)).collect()
    } else {
        Vec::new()
    };
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::usage(format!("{flag} {}: there is no annotation with that id in this document", excerpt(given, 40)))
            .in_file(&session.sidecar_path)
            .hint("copy an id (or its first 8 characters) from `marginalia list`")),
        many => Err(Error::usage(format!("{flag} {}: {} annotations have ids starting so", excerpt(given, 40), many.len()))
            .hint("give more of the id")),
    }
}

fn find_quote(session: &Session, quote: &str, occurrence: usize) -> Result<Span, Error> {
    if quote.is_empty() {
        return Err(Error::usage("--quote is empty"));
    }
    if occurrence == 0 {
        return Err(Error::usage("--occurrence counts from 1"));
    }
    let text = session.doc.text();
    let found: Vec<usize> = text.match_indices(quote).map(|(b, _)| b).collect();
    let Some(&byte) = found.get(occurrence - 1) else {
        return Err(if found.is_empty() {
            Error::usage(format!("the text does not contain \"{}\"", excerpt(quote, 60)))
                .hint("copy the quote exactly, including curly quotes and dashes")
        } else {
            Error::usage(format!("\"{}\" occurs {} time(s), not {occurrence}", excerpt(quote, 60), found.len()))
                .hint(format!("use --occurrence 1 to {}", found.len()))
        });
    };
    let start = session.doc.char_of(byte);
    Ok(Span::new(start, start + quote.chars().count()))
}

/// The sidecar `list` reads when none is named: the unnamed one, else the only one; with
/// several coders' files, which to read must be said.
fn listed_sidecar(document: &std::path::Path) -> Result<PathBuf, Error> {
    let default = crate::sidecar::default_path(document);
    let found = crate::sidecar::find_sidecars(document);
    match found.as_slice() {
        _ if found.is_empty() || std::fs::symlink_metadata(&default).is_ok() => Ok(default),
        [only] => Ok(only.clone()),
        _ => {
            let names: Vec<String> =
                found.iter().filter_map(|p| crate::coder::owner_of(p).ok().flatten().map(|o| o.name)).collect();
            Err(Error::usage(format!("has {} coders' sidecars ({})", found.len(), names.join(", ")))
                .in_file(document)
                .hint("say whose to list with --coder NAME or --sidecar PATH"))
        }
    }
}

fn list(args: ListArgs) -> Result<i32, Error> {
    let document = &args.target.document;
    let sidecar = match (&args.target.sidecar, &args.coder) {
        (Some(path), _) => path.clone(),
        (None, Some(name)) => crate::coder::sidecar_for_name(document, name),
        (None, None) => listed_sidecar(document)?,
    };
    let session = Session::open(document, Some(&sidecar), &default_coder())?;
    // Buffered: stdout alone would flush at every line. Output errors (a closed pipe, as with
    // `| head`) end the listing quietly, as they always have.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let _ = match args.format {
        ListFormat::Json => write_json_list(&session, &mut out),
        ListFormat::Table => write_table(&session, &mut out),
    }
    .and_then(|()| out.flush());
    drop(out);
    // Freeing a million annotations one by one takes a while; the process ends here anyway.
    std::mem::forget(session);
    Ok(0)
}

/// One annotation as `list --format json` prints it. The fields are in the order of their names,
/// as they were when the list was built as JSON objects (whose keys are kept sorted).
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    attributes: &'a std::collections::BTreeMap<String, String>,
    code: &'a str,
    code_name: &'a str,
    coder: &'a str,
    created: &'a str,
    end: usize,
    exact: &'a str,
    id: &'a str,
    /// The links that start at this annotation.
    links: Vec<JsonLink<'a>>,
    modified: &'a str,
    note: &'a str,
    prefix: &'a str,
    start: usize,
    status: &'static str,
    suffix: &'a str,
}

/// An outgoing link as `list --format json` prints it (fields in the order of their names, as
/// for annotations).
#[derive(serde::Serialize)]
struct JsonLink<'a> {
    id: String,
    note: &'a str,
    target: String,
    #[serde(rename = "type")]
    link_type: &'a str,
    type_name: &'a str,
}

/// The annotations as one pretty-printed JSON array, written row by row as it is made: the
/// memory it needs does not grow with the number of annotations.
fn write_json_list<W: Write>(session: &Session, out: &mut W) -> std::io::Result<()> {
    use serde::ser::{SerializeSeq, Serializer as _};
    let names: std::collections::HashMap<&str, &str> =
        session.edits.codebook().codes.iter().rev().map(|c| (c.id.as_str(), c.name.as_str())).collect();
    let annotations = session.edits.annotations();
    let cb = session.edits.codebook();
    let mut outgoing: std::collections::HashMap<uuid::Uuid, Vec<&crate::link::Link>> = std::collections::HashMap::new();
    for l in session.edits.links() {
        outgoing.entry(l.origin).or_default().push(l);
    }
    let mut json = serde_json::Serializer::pretty(&mut *out);
    let mut seq = json.serialize_seq(Some(annotations.len())).map_err(std::io::Error::from)?;
    let mut id = uuid::Uuid::encode_buffer();
    for a in annotations {
        let row = JsonRow {
            attributes: &a.attributes,
            code: &a.code,
            code_name: names.get(a.code.as_str()).copied().unwrap_or_default(),
            coder: &a.coder,
            created: &a.created,
            end: a.end,
            exact: &a.exact,
            id: a.id.hyphenated().encode_lower(&mut id),
            links: outgoing
                .get(&a.id)
                .into_iter()
                .flatten()
                .map(|l| JsonLink {
                    id: l.id.to_string(),
                    link_type: &l.link_type,
                    type_name: cb.link_type(&l.link_type).map_or("", |t| t.name.as_str()),
                    target: l.target.to_string(),
                    note: &l.note,
                })
                .collect(),
            modified: &a.modified,
            note: &a.note,
            prefix: &a.prefix,
            start: a.start,
            status: a.status.label(),
            suffix: &a.suffix,
        };
        seq.serialize_element(&row).map_err(std::io::Error::from)?;
    }
    seq.end().map_err(std::io::Error::from)?;
    writeln!(out)
}

/// The annotations as a table with a summary line.
fn write_table<W: Write>(session: &Session, out: &mut W) -> std::io::Result<()> {
    let cb = session.edits.codebook();
    writeln!(out, "{:<8}  {:<26}  {:>13}  {:<10}  {:<40}  NOTE", "ID", "CODE", "SPAN", "STATUS", "TEXT")?;
    let mut id = uuid::Uuid::encode_buffer();
    for a in session.edits.annotations() {
        let name = cb.code(&a.code).map(|c| c.name.as_str()).unwrap_or(&a.code);
        writeln!(
            out,
            "{:<8}  {:<26}  {:>13}  {:<10}  {:<40}  {}",
            &a.id.hyphenated().encode_lower(&mut id)[..8],
            excerpt(name, 26),
            format!("{}..{}", a.start, a.end),
            a.status.label(),
            excerpt(&a.exact, 40),
            excerpt(&a.note, 40)
        )?;
    }
    let links = session.edits.links().len();
    let links = if links == 0 { String::new() } else { format!(", {links} link(s)") };
    writeln!(out, "{} annotation(s){links}; {}", session.edits.annotations().len(), session.report.summary())
}

fn check(args: SidecarArgs) -> Result<i32, Error> {
    let checked = Checked::read(&args)?;
    let code = check_report(&args, &checked);
    // Freeing a million annotations one by one takes a while; the process ends here anyway.
    std::mem::forget(checked);
    Ok(code)
}

/// What `check` reads: the document, and its sidecar's annotations re-anchored in memory.
/// `check` never writes: the sidecar is read on its own here, because opening it to edit it
/// (a [`Session`]) also removes the temporary files a crashed save left beside it.
struct Checked {
    doc: crate::document::Document,
    sidecar_path: PathBuf,
    had_sidecar: bool,
    /// Sorted by position, as a session holds them.
    annotations: Vec<Annotation>,
    report: crate::anchor::AnchorReport,
}

impl Checked {
    fn read(args: &SidecarArgs) -> Result<Self, Error> {
        let doc = crate::document::Document::open(&args.document)?;
        let sidecar_path = args.sidecar.clone().unwrap_or_else(|| crate::sidecar::default_path(&args.document));
        let Some(loaded) = crate::sidecar::load(&sidecar_path)? else {
            return Ok(Self { doc, sidecar_path, had_sidecar: false, annotations: Vec::new(), report: Default::default() });
        };
        let crate::sidecar::Sidecar { document: doc_ref, mut annotations, .. } = loaded.sidecar;
        let report = crate::anchor::reanchor_all(&doc, &mut annotations);
        // As when the document is opened: a sidecar none of whose annotations is in this text,
        // made for a file of another name, is another text's.
        if doc_ref.fingerprint != doc.fingerprint()
            && !annotations.is_empty()
            && report.orphaned == annotations.len()
            && doc_ref.file_name != doc.file_name()
        {
            return Err(Error::new(
                ErrorKind::Sidecar,
                format!(
                    "belongs to another text (\"{}\", fingerprint {}…): none of its {} annotations can be found in {}",
                    excerpt(&doc_ref.file_name, crate::document::QUOTE_CHARS),
                    doc_ref.fingerprint.chars().take(12).collect::<String>(),
                    annotations.len(),
                    doc.file_name()
                ),
            )
            .in_file(&sidecar_path)
            .hint("open it with the document it was made for, or pass another sidecar with --sidecar"));
        }
        annotations.sort_by_key(Annotation::sort_key);
        Ok(Self { doc, sidecar_path, had_sidecar: true, annotations, report })
    }
}

/// Prints what `check` found; returns the exit code.
fn check_report(args: &SidecarArgs, session: &Checked) -> i32 {
    if let Some(w) = session.doc.encoding_warning() {
        println!("note: {}: {w}", args.document.display());
    }
    if !session.had_sidecar {
        println!(
            "{}: no sidecar yet ({} does not exist); nothing to check",
            args.document.display(),
            session.sidecar_path.display()
        );
        return 0;
    }
    let report = &session.report;
    println!("{}: {} annotation(s): {}", session.sidecar_path.display(), session.annotations.len(), report.summary());
    if !report.all_anchored() {
        for a in &session.annotations {
            if a.status != AnchorStatus::Anchored {
                let (line, col) = session.doc.line_col(a.start);
                let place =
                    if a.status == AnchorStatus::Orphaned { "not found".to_owned() } else { format!("now at {line}:{col}") };
                println!("  {} {:<10} \"{}\" ({place})", &a.id.to_string()[..8], a.status.label(), excerpt(&a.exact, 50));
            }
        }
    }
    // Versions a git merge kept for someone to choose between (see `merge`).
    let marked: Vec<_> = session.annotations.iter().filter(|a| a.conflict.is_some()).collect();
    if !marked.is_empty() {
        println!(
            "{} merge conflict(s) to settle, in {} annotation(s):",
            crate::annotation::count_conflicts(marked.iter().copied()),
            marked.len()
        );
        for a in &marked {
            println!("  {} {:<10} \"{}\" ({})", &a.id.to_string()[..8], a.code, excerpt(&a.exact, 50), excerpt(&a.note, 30));
        }
        println!("Open the document in Marginalia and keep one version of each (Merge conflicts, in the annotation panel).");
    }
    if !report.all_anchored() {
        println!("Open the document in Marginalia (or run `marginalia add`) to save the re-anchored positions.");
        return 1;
    }
    // Work left to settle: a script running `check` must see it.
    if !marked.is_empty() {
        return 1;
    }
    0
}
