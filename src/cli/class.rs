//! `marginalia class`: pack an assignment, hand in, collect, name the key, grade.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::class::{self, CollectOutcome};
use crate::error::{Error, printable};

#[derive(Debug, Args)]
pub struct ClassArgs {
    #[command(subcommand)]
    pub command: ClassCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Pack the class folder's texts, codebook and instructions.md into one assignment file
    /// (never any sidecar, so never the answer key).
    Pack(PackArgs),
    /// Unpack an assignment file into a folder to work in (never overwrites a file there).
    Unpack(UnpackArgs),
    /// Pack one person's sidecars of an unpacked assignment into a hand-in file.
    Handin(HandinArgs),
    /// Copy hand-ins' sidecars into the class folder. Exit 1 when any hand-in was skipped or
    /// kept apart under another name (its name was another student's).
    Collect(CollectArgs),
    /// Say which coder's sidecars are the answer key.
    Key(KeyArgs),
    /// Grade every student against the key: precision, recall, F1 and points per text and code,
    /// and the grade on the rubric's scale with the teacher's comment.
    Grade(GradeArgs),
    /// Write each student's feedback page (HTML): their marks and the key's on every text,
    /// what they found, missed and added, their grade and the teacher's comment.
    Feedback(FeedbackArgs),
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// The class folder: the texts (.txt, .md), codebook.ron, instructions.md.
    pub folder: PathBuf,
    /// The package to write (NAME.marginalia-assignment).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The assignment's title (kept in class.ron; default: the package's name).
    #[arg(long)]
    pub title: Option<String>,
    /// The due date, YYYY-MM-DD or an RFC 3339 time (kept in class.ron).
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// The .marginalia-assignment file.
    pub package: PathBuf,
    /// The folder to unpack into (made if missing).
    pub folder: PathBuf,
}

#[derive(Debug, Args)]
pub struct HandinArgs {
    /// The folder the assignment was unpacked into.
    pub folder: PathBuf,
    /// The name of the person whose sidecars to hand in.
    #[arg(long, value_name = "NAME")]
    pub coder: String,
    /// That person's id (the `coder_id` in their sidecars' headers). Without it, their
    /// sidecars are those whose header has the name, and the hand-in carries no id: when
    /// collected it never replaces a hand-in collected before.
    #[arg(long, value_name = "UUID")]
    pub coder_id: Option<uuid::Uuid>,
    /// The hand-in file (default: NAME-<coder>.marginalia-handin in the current folder).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The class folder (with class.ron).
    pub folder: PathBuf,
    /// The .marginalia-handin files.
    #[arg(required = true, value_name = "HANDIN")]
    pub handins: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The class folder.
    pub folder: PathBuf,
    /// The coder whose sidecars (<doc>.<coder>.annotations.ron) are the answer key.
    #[arg(long, value_name = "NAME")]
    pub coder: String,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GradeFormat {
    Table,
    /// A Moodle grade import gradebook (see docs/class.md).
    #[value(alias = "moodle")]
    Csv,
    /// A Canvas gradebook import (see docs/class.md).
    Canvas,
    Json,
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The class folder.
    pub folder: PathBuf,
    /// Replace student names by Student A, B, … (in sorted order of the names).
    #[arg(long)]
    pub anonymous: bool,
    #[arg(long, value_enum, default_value_t = GradeFormat::Table)]
    pub format: GradeFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// The class folder.
    pub folder: PathBuf,
    /// Only this student's page.
    #[arg(long, value_name = "NAME")]
    pub student: Option<String>,
    /// Name each student by their pseudonym (Student A, B, …), in the page and its file name.
    #[arg(long)]
    pub anonymous: bool,
    /// The folder to write the pages into (made if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

pub fn run(args: ClassArgs) -> Result<i32, Error> {
    match args.command {
        ClassCommand::Pack(a) => {
            let packed = class::pack(&a.folder, &a.output, a.title.as_deref(), a.due.as_deref())?;
            println!(
                "{}: assignment \"{}\" ({}), {} text(s)",
                packed.path.display(),
                crate::error::printable(&packed.manifest.title),
                packed.manifest.assignment,
                packed.manifest.documents.len()
            );
            Ok(0)
        }
        ClassCommand::Unpack(a) => {
            let m = class::unpack(&a.package, &a.folder)?;
            // The title comes from the package: printed without its control characters.
            let (folder, title) = (a.folder.display().to_string(), crate::error::printable(&m.title));
            println!("{}: \"{title}\", {} text(s)", crate::error::printable(&folder), m.documents.len());
            Ok(0)
        }
        ClassCommand::Handin(a) => {
            let now = time::OffsetDateTime::now_utc();
            let (path, m) = match a.coder_id {
                Some(id) => {
                    let person = crate::coder::Coder { id, name: a.coder.clone() };
                    class::handin(&a.folder, &person, a.output.as_deref(), now)?
                }
                None => class::handin_by_name(&a.folder, &a.coder, a.output.as_deref(), now)?,
            };
            match m.coder_id {
                Some(id) => println!("{}: hand-in of {} ({id}) at {}", path.display(), printable(&m.coder), m.time),
                None => println!("{}: hand-in of {} at {}", path.display(), printable(&m.coder), m.time),
            }
            Ok(0)
        }
        ClassCommand::Collect(a) => {
            let outcomes = class::collect(&a.folder, &a.handins)?;
            let mut attention = 0;
            for (path, outcome) in outcomes {
                attention += usize::from(outcome.needs_attention());
                match outcome {
                    CollectOutcome::Collected { coder, files, warning } => {
                        println!("{}: collected {} sidecar(s) of {}", path.display(), files.len(), printable(&coder));
                        if let Some(w) = warning {
                            eprintln!("check: {}: {}", path.display(), printable(&w));
                        }
                    }
                    CollectOutcome::Replaced { coder, files, previous, warning } => {
                        println!(
                            "{}: collected {} sidecar(s) of {}, replacing {} ({}), the same student's hand-in collected before",
                            path.display(),
                            files.len(),
                            printable(&coder),
                            printable(&previous.file),
                            printable(&previous.time)
                        );
                        if let Some(w) = warning {
                            eprintln!("check: {}: {}", path.display(), printable(&w));
                        }
                    }
                    CollectOutcome::KeptApart { coder, files, reason, .. } => {
                        eprintln!(
                            "kept apart: {}: collected {} sidecar(s) of {}: {}",
                            path.display(),
                            files.len(),
                            printable(&coder),
                            printable(&reason)
                        );
                    }
                    CollectOutcome::AlreadyCollected { coder } => {
                        println!("{}: already collected ({}), unchanged", path.display(), printable(&coder));
                    }
                    CollectOutcome::Skipped { reason } => {
                        eprintln!("skipped: {}: {}", path.display(), printable(&reason));
                    }
                }
            }
            Ok(if attention > 0 { 1 } else { 0 })
        }
        ClassCommand::Key(a) => {
            class::set_key(&a.folder, &a.coder)?;
            println!("{}: the answer key is {}", a.folder.join(class::CLASS_FILE).display(), a.coder);
            Ok(0)
        }
        ClassCommand::Grade(a) => grade(a),
        ClassCommand::Feedback(a) => {
            let graded = class::grade_scores(&a.folder, &mut |_, _| true)?;
            if let Some(student) = a.student.as_deref()
                && let Some(n) = graded.not_graded.iter().find(|n| n.student.as_deref() == Some(student))
            {
                return Err(Error::new(crate::error::ErrorKind::Sidecar, format!("no feedback for {}: {n}", printable(student)))
                    .hint("ask the student to hand in again, or remove the file named"));
            }
            let written = class::feedback::write_feedback_pages(&graded, &a.output, a.student.as_deref(), a.anonymous)?;
            for path in &written {
                println!("{}", path.display());
            }
            for n in &graded.notes {
                eprintln!("note: {n}");
            }
            not_graded(&graded.not_graded)
        }
    }
}

fn grade(a: GradeArgs) -> Result<i32, Error> {
    let mut grades = class::grade(&a.folder)?;
    if a.anonymous {
        grades = grades.anonymized();
    }
    let text = match a.format {
        GradeFormat::Table => grades.to_table(),
        GradeFormat::Csv => class::gradebook_csv(&grades)?,
        GradeFormat::Canvas => class::canvas_csv(&grades)?,
        GradeFormat::Json => format!("{}\n", serde_json::to_string_pretty(&grades.to_json()).unwrap_or_default()),
    };
    match &a.output {
        Some(path) => {
            crate::io::write_atomic(path, text.as_bytes(), false)?;
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    if a.format != GradeFormat::Table {
        for n in &grades.notes {
            eprintln!("note: {n}");
        }
    }
    if a.format == GradeFormat::Table && a.output.is_none() {
        // Printed with the table already.
        return Ok(if grades.not_graded.is_empty() { 0 } else { 1 });
    }
    not_graded(&grades.not_graded)
}

/// Lists on stderr who could not be graded; exit 1 when anyone (or any text) was left out,
/// so that a script notices.
fn not_graded(list: &[class::NotGraded]) -> Result<i32, Error> {
    for n in list {
        eprintln!("not graded: {}", printable(&n.to_string()));
    }
    Ok(if list.is_empty() { 0 } else { 1 })
}
