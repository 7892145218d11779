//! `marginalia merge-driver %O %A %B %P` (git calls it to merge a sidecar annotation by
//! annotation) and `marginalia git-setup FOLDER` (tells the folder's git repository to do so).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use clap::Args;

use crate::error::{Error, ErrorKind};

/// The merge driver's name in git's configuration and in `.gitattributes`.
pub const DRIVER: &str = "marginalia";
/// The `.gitattributes` line that routes sidecars to the driver.
pub const ATTRIBUTES_LINE: &str = "*.annotations.ron merge=marginalia";
/// The `.gitignore` lines for the backups and lock files Marginalia keeps beside shared files.
pub const IGNORED: [&str; 4] =
    ["*.annotations.ron.bak", "marginalia-variables.ron.bak", ".*.annotations.ron.lock", ".marginalia-variables.ron.lock"];

#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (git's %O).
    pub base: PathBuf,
    /// Our version (git's %A); the merged result is written here.
    pub ours: PathBuf,
    /// Their version (git's %B).
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P), for messages.
    pub path: Option<String>,
}

#[derive(Debug, Args)]
pub struct GitSetupArgs {
    /// The folder of documents, inside a git repository.
    pub folder: PathBuf,
}

/// Exit 0: merged; 1: merged, but something was changed on both sides (every version is in
/// the file, marked; git reports a conflict so that a person looks); 2: not merged: the file
/// keeps our version, their version is copied beside it (see [`keep_theirs_aside`]) and git
/// reports a conflict.
pub fn merge_driver(args: MergeDriverArgs) -> Result<i32, Error> {
    let shown = args.path.clone().unwrap_or_else(|| args.ours.display().to_string());
    let report = match crate::merge::merge_files(&args.base, &args.ours, &args.theirs, &shown) {
        Ok(report) => report,
        Err(e) => return Ok(not_merged(&args, &shown, &e)),
    };
    eprintln!(
        "marginalia: merged {shown}: {} annotation(s) added, {} changed, {} deleted from the other side; \
         {} link(s) added, {} changed, {} deleted",
        report.added, report.changed, report.deleted, report.links_added, report.links_changed, report.links_deleted
    );
    if report.conflicts.is_empty() {
        return Ok(0);
    }
    for c in &report.conflicts {
        eprintln!("marginalia: {shown}: {c}");
    }
    eprintln!(
        "marginalia: {shown}: every version is kept in the file, marked; open it in Marginalia, settle each one, then `git add` it"
    );
    Ok(1)
}

/// A merge the driver refused: says why, keeps their version beside the file (git leaves
/// ours in it, without conflict markers, so that `git add` alone would drop theirs), and says
/// what to do. Always exit code 2.
fn not_merged(args: &MergeDriverArgs, shown: &str, e: &Error) -> i32 {
    super::report_error(e);
    // Git runs the driver at the top of the work tree, where `%P` is the file's path.
    let beside = args
        .path
        .as_deref()
        .map(Path::new)
        .filter(|p| p.parent().is_none_or(|d| d.as_os_str().is_empty() || d.is_dir()))
        .unwrap_or(&args.ours);
    match keep_theirs_aside(&args.theirs, beside) {
        Ok(copy) => eprintln!(
            "marginalia: {shown}: not merged. The file keeps our version, unchanged; their version is saved beside it as {}. \
             Git marks the file as conflicted: take from their copy what you want to keep, then `git add {shown}` \
             (or take theirs whole: `git checkout --theirs {shown}`)",
            copy.display()
        ),
        Err(e) => {
            super::report_error(&e);
            eprintln!(
                "marginalia: {shown}: not merged. The file keeps our version, unchanged; their version could not be \
                 copied beside it: until you `git add {shown}`, `git show :3:{shown}` prints it"
            );
        }
    }
    2
}

/// Copies their version, byte for byte, beside `beside` as `<name minus .ron>.theirs-<time>.ron`
/// (the name the app gives theirs when it keeps its own version over a changed file). An
/// earlier copy with other content is never replaced: a number is added instead.
pub fn keep_theirs_aside(theirs: &Path, beside: &Path) -> Result<PathBuf, Error> {
    let bytes = std::fs::read(theirs).map_err(|e| Error::io(theirs, "cannot read their version", e))?;
    let first = crate::session::conflict_copy_path(beside);
    let stem = first.display().to_string();
    let stem = stem.strip_suffix(".ron").unwrap_or(&stem).to_owned();
    let mut copy = first;
    for n in 2.. {
        match std::fs::read(&copy) {
            Ok(there) if there != bytes => copy = PathBuf::from(format!("{stem}-{n}.ron")),
            _ => break,
        }
    }
    crate::io::write_atomic(&copy, &bytes, false)?;
    Ok(copy)
}

/// Runs git in `folder`; its standard output on success.
fn git(folder: &Path, args: &[&str]) -> Result<String, Error> {
    let out = Process::new("git")
        .arg("-C")
        .arg(folder)
        .args(args)
        .output()
        .map_err(|e| Error::io(folder, "cannot run git", e).hint("install git and make sure it is on the PATH"))?;
    if !out.status.success() {
        let says = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(Error::new(ErrorKind::Usage, format!("git {}: {says}", args.join(" "))).in_file(folder));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Adds the `lines` that `path` lacks at its end (creating it); whether anything was added.
fn ensure_lines(path: &Path, lines: &[&str]) -> Result<bool, Error> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, "cannot read", e)),
    };
    let missing: Vec<&&str> = lines.iter().filter(|l| !old.lines().any(|x| x.trim() == **l)).collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut text = old;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for l in missing {
        text.push_str(l);
        text.push('\n');
    }
    crate::io::write_atomic(path, text.as_bytes(), false)?;
    Ok(true)
}

/// Quotes a word for the POSIX shell git runs the driver with.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub fn git_setup(args: GitSetupArgs) -> Result<i32, Error> {
    if !args.folder.is_dir() {
        return Err(Error::usage("is not a folder").in_file(&args.folder).hint("pass the folder of documents"));
    }
    git(&args.folder, &["rev-parse", "--git-dir"])
        .map_err(|e| Error { hint: Some("run `git init` in the folder (or a folder above it) first".into()), ..e })?;
    // The program that is running now, so the driver works even when it is not on the PATH.
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "marginalia".to_owned());
    let driver = format!("{} merge-driver %O %A %B %P", shell_quote(&exe));
    git(
        &args.folder,
        &["config", "--local", &format!("merge.{DRIVER}.name"), "Marginalia: merge sidecars annotation by annotation"],
    )?;
    git(&args.folder, &["config", "--local", &format!("merge.{DRIVER}.driver"), &driver])?;
    let attributes = args.folder.join(".gitattributes");
    if ensure_lines(&attributes, &[ATTRIBUTES_LINE])? {
        println!("added \"{ATTRIBUTES_LINE}\" to {}", attributes.display());
    } else {
        println!("{} already routes sidecars to the merge driver", attributes.display());
    }
    // Backups and lock files are per machine: committed, they would conflict on every merge.
    let ignore = args.folder.join(".gitignore");
    if ensure_lines(&ignore, &IGNORED)? {
        println!("added {} to {}", IGNORED.join(", "), ignore.display());
    }
    println!("git config merge.{DRIVER}.driver = {driver}");
    println!("commit .gitattributes so that every clone merges sidecars this way (each clone runs `marginalia git-setup` once)");
    Ok(0)
}
