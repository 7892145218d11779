//! A small corpus written for these tests: a speech with CRLF line ends and a letter, with
//! accents, curly quotes, dashes, emoji and cells that look like spreadsheet formulas.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use marginalia::codebook::{Code, Codebook};
use marginalia::document::Span;
use marginalia::{Action, Annotation, Session};

pub const SPEECH: &str = "Mesdames et messieurs — chers amis de Saint-Étienne,\r\n=SUM(A1) n’est pas une politique.\r\nLe pont sera prêt en 2027 🌉, promet M. Nuñez.\r\n-Nous exigeons « des réponses » avant l’hiver !\r\n";
pub const LETTER: &str =
    "Chère Zoë,\n\n@tous : merci 👩‍👩‍👧 pour l’accueil – c’était “parfait” <b>pas gras</b> & co.\n\nÀ bientôt,\nRenée\n";

pub fn codebook() -> Codebook {
    let mut cb = Codebook::default();
    let mut c = Code::new("réplique", "Réplique cinglante", "#332288");
    c.parent = Some("opinion".to_owned());
    cb.codes.push(c);
    cb
}

fn span_of(text: &str, quote: &str) -> Span {
    let byte = text.find(quote).unwrap_or_else(|| panic!("no {quote:?}"));
    let start = text[..byte].chars().count();
    Span::new(start, start + quote.chars().count())
}

/// (quote, code, note, attributes)
type Spec<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

fn annotate(doc: &Path, sidecar: Option<PathBuf>, coder: &str, specs: &[Spec<'_>]) {
    let mut s = Session::open(doc, sidecar.as_deref(), coder).unwrap();
    for (quote, code, note, attrs) in specs {
        let span = span_of(s.doc.text(), quote);
        let mut a = Annotation::new(&s.doc, span, code, coder);
        a.note = (*note).to_owned();
        for (k, v) in attrs.iter() {
            a.attributes.insert((*k).to_owned(), (*v).to_owned());
        }
        s.apply(Action::Add(a)).unwrap();
    }
    s.save().unwrap();
}

/// Writes the corpus into `dir` and returns the two document paths.
pub fn make_corpus(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::write(dir.join("codebook.ron"), codebook().to_ron()).unwrap();
    let speech = dir.join("speech.txt");
    let letter = dir.join("letter.md");
    std::fs::write(&speech, SPEECH).unwrap();
    std::fs::write(&letter, LETTER).unwrap();
    annotate(
        &speech,
        None,
        "ana",
        &[
            ("=SUM(A1) n’est pas une politique.", "opinion", "=1+1 looks like a formula", &[]),
            ("Le pont sera prêt", "factual-assertion", "", &[("checkable", "yes"), ("verdict", "unverified")]),
            ("Le pont sera prêt en 2027 🌉", "prediction", "", &[]),
            ("prêt en 2027 🌉, promet M. Nuñez.\r\n-Nous exigeons", "demand", "spans a CRLF", &[("addressee", "la mairie")]),
            ("M. Nuñez", "attribution", "", &[("source-named", "yes")]),
            ("-Nous exigeons « des réponses »", "réplique", "", &[]),
        ],
    );
    annotate(
        &speech,
        Some(marginalia::sidecar::coder_path(&speech, "bruno")),
        "bruno",
        &[("Le pont sera prêt en 2027 🌉", "factual-assertion", "Ça se vérifie.", &[])],
    );
    annotate(
        &letter,
        None,
        "ana",
        &[
            ("@tous : merci 👩‍👩‍👧", "call-to-action", "a tab\there", &[]),
            ("c’était “parfait” <b>pas gras</b> & co.", "opinion", "<i>ironique</i> ?", &[]),
        ],
    );
    (speech, letter)
}

/// The code points `start..end` of `text`.
pub fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub fn marginalia(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_marginalia")).args(args).env("MARGINALIA_CODER", "ana").output().unwrap()
}

/// The binary under test: `$MARGINALIA_BIN` when set (an older build, to see a test fail
/// there), else this build's.
pub fn bin() -> PathBuf {
    std::env::var_os("MARGINALIA_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_marginalia")))
}

/// Runs [`bin`] in the current folder as `coder` ($MARGINALIA_CODER).
pub fn run_as(args: &[&str], coder: &str) -> Out {
    let out = std::process::Command::new(bin()).args(args).env("MARGINALIA_CODER", coder).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Like [`run_as`], and requires exit 0; returns what it printed on stdout.
pub fn ok_as(args: &[&str], coder: &str) -> String {
    let out = run_as(args, coder);
    assert_eq!(out.code, 0, "{args:?}\nstdout: {}\nstderr: {}", out.stdout, out.stderr);
    out.stdout
}

/// What a run of the real binary printed, and its exit code.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real binary in `dir`; `coder` sets $MARGINALIA_CODER (None: unset).
pub fn run_in(dir: &Path, args: &[&str], coder: Option<&str>) -> Out {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marginalia"));
    cmd.args(args).current_dir(dir);
    match coder {
        Some(c) => cmd.env("MARGINALIA_CODER", c),
        None => cmd.env_remove("MARGINALIA_CODER"),
    };
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the real binary in `dir` with no coder set ($MARGINALIA_CODER unset).
pub fn run(dir: &Path, args: &[&str]) -> Out {
    run_in(dir, args, None)
}

/// Like [`run`], and requires exit 0; returns what it printed on stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    ok_in(dir, args, None)
}

/// Like [`run_in`], and requires exit 0; returns what it printed on stdout.
pub fn ok_in(dir: &Path, args: &[&str], coder: Option<&str>) -> String {
    let out = run_in(dir, args, coder);
    assert_eq!(out.code, 0, "{args:?}\nstdout: {}\nstderr: {}", out.stdout, out.stderr);
    out.stdout
}
