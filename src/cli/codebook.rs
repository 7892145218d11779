//! `marginalia codebook`: list the shipped codebooks, export a codebook as RON or REFI-QDA
//! (.qdc), import one from either, or the codebook of a REFI-QDA project (.qdpx).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use crate::codebook::{self, Codebook};
use crate::error::Error;
use crate::refi::qdc;

#[derive(Debug, Args)]
pub struct CodebookArgs {
    #[command(subcommand)]
    pub command: CodebookCommand,
}

#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// List the codebooks shipped with Marginalia.
    List,
    /// Write a codebook as RON or as a REFI-QDA codebook (.qdc).
    Export(ExportArgs),
    /// Read a codebook (.qdc from another program, the codebook of a .qdpx project, or .ron)
    /// and write it as Marginalia RON.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CodebookFormat {
    Ron,
    Qdc,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = CodebookFormat::Ron)]
    pub format: CodebookFormat,
    /// A document (its sidecar's codebook, else its folder's), a codebook file (.ron, .qdc),
    /// a sidecar, or the name of a shipped codebook. Default: ./codebook.ron, else "claims".
    #[arg(long, value_name = "DOCUMENT|FILE|NAME")]
    pub from: Option<String>,
    /// Where to write; `-` or nothing writes to standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A REFI-QDA codebook (.qdc), a REFI-QDA project (.qdpx: its codebook), or a Marginalia
    /// codebook (.ron).
    pub file: PathBuf,
    /// The RON file to write.
    #[arg(short = 'o', long = "output", value_name = "OUT.ron")]
    pub output: PathBuf,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: CodebookArgs) -> Result<i32, Error> {
    match args.command {
        CodebookCommand::List => list(),
        CodebookCommand::Export(a) => export(a),
        CodebookCommand::Import(a) => import(a),
    }
}

fn list() -> Result<i32, Error> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (short, cb) in codebook::builtin() {
        let groups = cb.codes.iter().filter(|c| cb.is_group(&c.id)).count();
        let codes = cb.codes.len() - groups;
        let grouping = if groups > 0 { format!(" in {groups} groups") } else { String::new() };
        let _ = writeln!(out, "{short:<12}  {:<24}  {codes} codes{grouping}", cb.name);
    }
    Ok(0)
}

/// Finds the codebook `--from` names.
fn resolve_from(from: Option<&str>) -> Result<Codebook, Error> {
    let Some(from) = from else {
        let local = Path::new(crate::session::FOLDER_CODEBOOK);
        return if local.is_file() { Codebook::load(local) } else { Ok(Codebook::default()) };
    };
    let path = Path::new(from);
    if path.is_file() {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.ends_with(".qdc") {
            return qdc::import_file(path).map(|i| i.codebook);
        }
        if name.ends_with(".annotations.ron") {
            return crate::sidecar::load(path)?
                .map(|l| l.sidecar.codebook)
                .ok_or_else(|| Error::usage("the sidecar disappeared while reading it").in_file(path));
        }
        if crate::corpus::is_document(path) {
            return match crate::sidecar::load(&crate::sidecar::default_path(path))? {
                Some(l) => Ok(l.sidecar.codebook),
                None => crate::session::codebook_for(path),
            };
        }
        return Codebook::load(path);
    }
    if let Some(cb) = Codebook::builtin(from) {
        return Ok(cb);
    }
    Err(Error::usage(format!("--from \"{from}\" is neither a file nor a shipped codebook"))
        .hint(format!("give a document, a .ron or .qdc file, or one of: {}", codebook::builtin_names().join(", "))))
}

fn export(args: ExportArgs) -> Result<i32, Error> {
    let cb = resolve_from(args.from.as_deref())?;
    let text = match args.format {
        CodebookFormat::Ron => cb.to_ron(),
        CodebookFormat::Qdc => {
            if let Some(note) = qdc::not_carried(&cb) {
                eprintln!("note: {note}");
            }
            qdc::export(&cb)
        }
    };
    match args.output.as_deref() {
        None => print!("{text}"),
        Some(p) if p.as_os_str() == "-" => print!("{text}"),
        Some(p) => {
            refuse_overwrite(p, args.force)?;
            crate::io::write_atomic(p, text.as_bytes(), false)?;
            eprintln!("wrote {} ({} codes) to {}", cb.name, cb.codes.len(), p.display());
        }
    }
    Ok(0)
}

fn import(args: ImportArgs) -> Result<i32, Error> {
    let name = args.file.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let (cb, notes) = if name.ends_with(".qdc") || name.ends_with(".xml") {
        let imported = qdc::import_file(&args.file)?;
        (imported.codebook, imported.notes)
    } else if name.ends_with(".qdpx") {
        // A project's codebook alone (its documents and codings are imported with
        // `marginalia import`).
        let imported = crate::refi::qdpx::import_codebook(&args.file)?;
        (imported.codebook, imported.notes)
    } else if name.ends_with(".ron") {
        (Codebook::load(&args.file)?, Vec::new())
    } else {
        return Err(Error::usage("can only import .qdc, .qdpx and .ron codebooks")
            .in_file(&args.file)
            .hint("a REFI-QDA codebook ends in .qdc and a project in .qdpx (`marginalia import` brings in its documents too)"));
    };
    refuse_overwrite(&args.output, args.force)?;
    crate::io::write_atomic(&args.output, cb.to_ron().as_bytes(), false)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    println!("imported {} codes into {}", cb.codes.len(), args.output.display());
    Ok(0)
}

fn refuse_overwrite(path: &Path, force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(Error::usage("already exists; nothing was written").in_file(path).hint("pass --force to replace it"));
    }
    Ok(())
}
