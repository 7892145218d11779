//! `marginalia bench`: speed and memory of the real app on generated documents.
//!
//! Each case writes a synthetic document (mixed scripts, accents, emoji with ZWJ sequences,
//! CRLF in some paragraphs, no two paragraphs alike; see [`crate::testdata`]) and a sidecar with random overlapping
//! annotations to a temporary folder, then measures with the app's own code:
//!
//! - frames: [`crate::ui::App::frame`] in a headless egui context, layout plus tessellation
//!   (no GPU), at the top, middle and end of the document, while scrolling a page per frame,
//!   and in the frame after adding an annotation;
//! - open ([`Session::open`]), save (the autosave snapshot taken on the UI thread and the
//!   atomic write the app runs on its save thread), exports of the largest case;
//! - peak resident memory (Linux `VmHWM`, reset before each case);
//! - imports of the worst shapes of HTML and docx (deep nesting, character references,
//!   formatting tags made again in every paragraph) at 10 MB: each is read or refused;
//! - a folder of 5,000 documents of 10 KB with 100 annotations each: `marginalia matrix` in a
//!   new process, opening the folder in the app (its list, then every sidecar read in the
//!   background), Retrieve and code matrices on the loaded folder.
//!
//! - the class dashboard: a generated class of 35 students by 5 texts, from the menu command to
//!   the grades shown, with the longest frame meanwhile (grading runs on the app's worker).
//!
//! Everything is seeded, so two runs measure the same texts. The harness lives with the app it
//! drives, so that no core module imports the GUI; the CLI's `bench` subcommand calls it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{App, Settings};
use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::corpus::Corpus;
use crate::document::{Document, Span};
use crate::edits::Action;
use crate::error::Error;
use crate::session::Session;
use crate::sidecar::{self, DocumentRef, Sidecar};
use crate::testdata::{Rng, generate_annotations, generate_text, import_shapes};

/// The window the frames are drawn into, in points (the app's default window size).
const SCREEN: egui::Vec2 = egui::vec2(1280.0, 820.0);

/// One document size with its number of annotations.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    /// "small", "medium" or "large".
    pub name: &'static str,
    pub bytes: usize,
    pub annotations: usize,
}

impl CaseSpec {
    /// "10 MB / 100,000" for progress lines and tables.
    pub fn label(&self) -> String {
        format!("{} / {}", human_bytes(self.bytes), thousands(self.annotations))
    }
}

/// What to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only the smallest and the largest case.
    pub quick: bool,
    /// Tiny documents and a few frames (for testing the command itself).
    pub tiny: bool,
    /// Only the links case ([`LinksSpec`]).
    pub links_only: bool,
    /// Only the class dashboard case.
    pub class_only: bool,
    /// Only the folder case ([`CorpusSpec`]).
    pub folder_only: bool,
}

impl Options {
    pub fn cases(&self) -> Vec<CaseSpec> {
        let all = if self.tiny {
            vec![
                CaseSpec { name: "small", bytes: 4_000, annotations: 10 },
                CaseSpec { name: "medium", bytes: 20_000, annotations: 100 },
                CaseSpec { name: "large", bytes: 60_000, annotations: 600 },
            ]
        } else {
            vec![
                CaseSpec { name: "small", bytes: 50_000, annotations: 100 },
                CaseSpec { name: "medium", bytes: 1_000_000, annotations: 10_000 },
                CaseSpec { name: "large", bytes: 10_000_000, annotations: 100_000 },
            ]
        };
        if self.quick { vec![all[0].clone(), all[2].clone()] } else { all }
    }

    /// Timed frames per scenario.
    pub fn frames(&self) -> usize {
        if self.tiny { 3 } else { 120 }
    }

    /// The size of each import shape.
    pub fn import_bytes(&self) -> usize {
        if self.tiny { 100_000 } else { 10_000_000 }
    }

    /// The links case: a large document with many links between its annotations.
    pub fn links_case(&self) -> LinksSpec {
        if self.tiny {
            LinksSpec { case: CaseSpec { name: "links", bytes: 60_000, annotations: 600 }, links: 100 }
        } else {
            LinksSpec { case: CaseSpec { name: "links", bytes: 10_000_000, annotations: 100_000 }, links: 10_000 }
        }
    }

    /// The folder of the corpus case.
    pub fn corpus(&self) -> CorpusSpec {
        if self.tiny { CorpusSpec::tiny() } else { CorpusSpec::full() }
    }

    pub fn mode(&self) -> &'static str {
        if self.links_only {
            return if self.tiny { "tiny-links" } else { "links" };
        }
        if self.class_only {
            return if self.tiny { "tiny-class" } else { "class" };
        }
        match (self.tiny, self.quick) {
            (true, true) => "tiny-quick",
            (true, false) => "tiny",
            (false, true) => "quick",
            (false, false) => "full",
        }
    }
}

/// Frame times of one scenario, in milliseconds.
#[derive(Debug, Clone)]
pub struct FrameStats {
    pub scenario: &'static str,
    pub frames: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// `App::frame` inside `Context::run_ui` (layout and painting commands).
    pub layout_median_ms: f64,
    /// `Context::tessellate` (shapes to triangles).
    pub tessellate_median_ms: f64,
}

/// A named one-off measurement (open, save, an export), in milliseconds.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub ms: f64,
    /// How many runs the figure is the median of.
    pub runs: usize,
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub spec: CaseSpec,
    pub document_bytes: usize,
    pub paragraphs: usize,
    pub annotations: usize,
    pub frames: Vec<FrameStats>,
    /// `Session::apply(Action::Add)` before each timed "after add" frame.
    pub add_apply_median_ms: f64,
    pub timings: Vec<Timing>,
    /// Peak resident memory since the case started (Linux only).
    pub peak_rss_mb: Option<f64>,
    /// The smallest case's frames, timed again interleaved frame by frame with this case's
    /// (largest case only): the large/small ratio compares frames taken at the same moments,
    /// so a slow phase of the machine weighs on both sides alike.
    pub reference_frames: Vec<FrameStats>,
}

impl CaseResult {
    pub fn frame(&self, scenario: &str) -> Option<&FrameStats> {
        self.frames.iter().find(|f| f.scenario == scenario)
    }
    pub fn timing(&self, name: &str) -> Option<f64> {
        self.timings.iter().find(|t| t.name == name).map(|t| t.ms)
    }
    /// The median over every timed frame of the case.
    pub fn overall_median_ms(&self) -> f64 {
        overall_median(&self.frames)
    }
}

/// A target from docs/performance.md and whether this run met it.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub value: f64,
    pub limit: f64,
    pub unit: &'static str,
}

impl Target {
    pub fn met(&self) -> bool {
        self.value <= self.limit
    }
}

pub struct Report {
    pub mode: &'static str,
    pub release: bool,
    pub cases: Vec<CaseResult>,
    /// Frames of the links case.
    pub links: Option<LinksResult>,
    pub imports: Vec<ImportResult>,
    /// The folder case: a matrix from a cold start, opening the folder in the app, queries on it.
    pub corpus: CorpusResult,
    pub targets: Vec<Target>,
    pub seconds: f64,
    /// The class dashboard case.
    pub class: Option<ClassResult>,
}

/// An export measured on the largest case: a name and how to run it on a loaded corpus,
/// writing into a scratch folder. To measure another export, add a line to
/// [`export_measurements`].
pub type ExportFn = fn(&Corpus, &Path) -> Result<(), Error>;

/// The exports measured on the largest case, through the same `export::write` the app and the
/// CLI use.
pub fn export_measurements() -> Vec<(&'static str, ExportFn)> {
    fn run(corpus: &Corpus, out: &Path, format: crate::export::Format, name: &str) -> Result<(), Error> {
        crate::export::write(corpus, format, &crate::export::Options::default(), &out.join(name), &|_, _| true).map(|_| ())
    }
    vec![
        ("export_csv", |c, o| run(c, o, crate::export::Format::Csv, "bench.csv")),
        ("export_w3c", |c, o| run(c, o, crate::export::Format::W3c, "bench.jsonld")),
        ("export_qdpx", |c, o| run(c, o, crate::export::Format::Qdpx, "bench.qdpx")),
    ]
}

/// Runs the benchmark. `progress` receives one line per step ("[3/9] 10 MB / 100,000: scrolling…").
pub fn run(options: Options, mut progress: impl FnMut(&str)) -> Result<Report, Error> {
    let started = Instant::now();
    if options.links_only {
        let links = run_links_case(&options.links_case(), options, &mut progress)?;
        return Ok(Report {
            mode: options.mode(),
            release: !cfg!(debug_assertions),
            targets: links_targets(&links),
            links: Some(links),
            cases: Vec::new(),
            imports: Vec::new(),
            corpus: CorpusResult { spec: options.corpus(), timings: Vec::new() },
            seconds: started.elapsed().as_secs_f64(),
            class: None,
        });
    }
    if options.folder_only {
        let corpus = run_corpus(options.corpus(), &mut progress)?;
        return Ok(Report {
            mode: options.mode(),
            release: !cfg!(debug_assertions),
            cases: Vec::new(),
            imports: Vec::new(),
            targets: corpus.targets(),
            corpus,
            seconds: started.elapsed().as_secs_f64(),
            class: None,
            links: None,
        });
    }
    if options.class_only {
        let class = run_class(options, &mut progress)?;
        return Ok(Report {
            mode: options.mode(),
            release: !cfg!(debug_assertions),
            cases: Vec::new(),
            imports: Vec::new(),
            // Not measured in this mode.
            corpus: CorpusResult { spec: options.corpus(), timings: Vec::new() },
            targets: vec![class.target()],
            seconds: started.elapsed().as_secs_f64(),
            class: Some(class),
            links: None,
        });
    }
    let cases = options.cases();
    let exports = export_measurements();
    let steps_per_case = 10;
    let total = cases.len() * steps_per_case;
    let mut step = 0;
    let mut results = Vec::new();
    let mut reference: Option<Reference> = None;
    for (k, spec) in cases.iter().enumerate() {
        let largest = k + 1 == cases.len();
        let mut say = |what: &str| {
            step += 1;
            progress(&format!("[{step}/{total}] {}: {what}…", spec.label()));
        };
        let paired = if largest && k > 0 { reference.as_mut() } else { None };
        let (result, kept) = run_case(spec, options, largest, &exports, paired, &mut say)?;
        if k == 0 {
            reference = kept;
        }
        results.push(result);
    }
    let links = run_links_case(&options.links_case(), options, &mut progress)?;
    let imports = run_imports(options.import_bytes(), &mut progress)?;
    let corpus = run_corpus(options.corpus(), &mut progress)?;
    let class = run_class(options, &mut progress)?;
    let mut targets = targets(&results);
    targets.extend(links_targets(&links));
    for i in &imports {
        targets.push(Target { name: format!("import {}", i.name), value: i.ms, limit: IMPORT_LIMIT_MS, unit: "ms" });
    }
    targets.extend(corpus.targets());
    targets.push(class.target());
    Ok(Report {
        mode: options.mode(),
        release: !cfg!(debug_assertions),
        cases: results,
        links: Some(links),
        imports,
        corpus,
        targets,
        seconds: started.elapsed().as_secs_f64(),
        class: Some(class),
    })
}

// ---------------------------------------------------------------------------------------------
// Links

/// A document with annotations and links between them.
#[derive(Debug, Clone)]
pub struct LinksSpec {
    pub case: CaseSpec,
    pub links: usize,
}

impl LinksSpec {
    /// "10,000 links on 10 MB".
    pub fn label(&self) -> String {
        format!("{} links on {}", thousands(self.links), human_bytes(self.case.bytes))
    }
}

/// The links case's frames.
#[derive(Debug, Clone)]
pub struct LinksResult {
    pub spec: LinksSpec,
    pub links: usize,
    pub frames: Vec<FrameStats>,
    /// Curves and stubs drawn in the last "middle, selected" frame (what a reader sees there).
    pub drawn: (usize, usize),
}

/// Frames of a large document whose annotations carry many links: most to a passage a few
/// lines away (curves), some anywhere in the text (stubs at the edges). The scenarios are the
/// document's scenarios plus one with a linked annotation selected (its links emphasised).
fn run_links_case(spec: &LinksSpec, options: Options, progress: &mut impl FnMut(&str)) -> Result<LinksResult, Error> {
    let mut step = 0;
    let mut say = |what: &str| {
        step += 1;
        progress(&format!("[{step}/6] {}: {what}…", spec.label()));
    };
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let doc_path = dir.path().join("bench-links.txt");
    say("generating the text, annotations and links");
    write_fixture(&spec.case, &doc_path, spec.links)?;
    let mut bench = FrameBench::new(&doc_path, spec.case.bytes as u64)?;
    let links = bench.app.session.as_ref().map_or(0, |s| s.edits.links().len());
    let n = options.frames();
    let at = |b: &FrameBench, fraction: f64| (b.doc().len_chars() as f64 * fraction) as usize;
    let mut frames = Vec::new();
    say("frames at the top");
    bench.warm_up();
    frames.push(interleaved(&mut [&mut bench], "top", n, FrameBench::frame_checked)?.remove(0));
    say("frames in the middle");
    let middle = at(&bench, 0.5);
    bench.jump(middle);
    frames.push(interleaved(&mut [&mut bench], "middle", n, FrameBench::frame_checked)?.remove(0));
    say("frames in the middle with a linked annotation selected");
    let session = bench.app.session.as_ref().ok_or_else(|| Error::usage("the document did not open"))?;
    // A link whose two ends are a few lines apart, so that both are on screen: a curve, and
    // its neighbours' curves and stubs.
    let close = |l: &&crate::link::Link| {
        let (o, t) = (session.edits.get(l.origin), session.edits.get(l.target));
        o.zip(t).is_some_and(|(o, t)| o.start.abs_diff(t.start) < 300)
    };
    let linked = session
        .edits
        .links()
        .iter()
        .filter(close)
        .filter_map(|l| session.edits.get(l.origin))
        .min_by_key(|a| a.start.abs_diff(middle))
        .map(|a| (a.id, a.start));
    bench.app.selected = linked.map(|(id, _)| id);
    if let Some((_, pos)) = linked {
        bench.jump(pos);
    }
    frames.push(interleaved(&mut [&mut bench], "middle_selected", n, FrameBench::frame_checked)?.remove(0));
    let drawn = &bench.app.views.document.view.drawn_links;
    let drawn = (drawn.curves, drawn.stubs.len());
    say("scrolling a page per frame");
    bench.jump(at(&bench, 1.0 / 3.0));
    frames.push(interleaved(&mut [&mut bench], "scrolling", n, FrameBench::scroll_frame)?.remove(0));
    say("adding annotations");
    bench.jump(middle);
    frames.push(interleaved(&mut [&mut bench], "after_add", n, FrameBench::add_frame)?.remove(0));
    Ok(LinksResult { spec: spec.clone(), links, frames, drawn })
}

/// Links between `annotations`: seven in ten go to an annotation at most 8 further on
/// (usually on screen together), the rest anywhere. Only link types any code may start and end.
fn generate_links(codebook: &Codebook, annotations: &[Annotation], count: usize, seed: u64) -> Vec<crate::link::Link> {
    let types: Vec<&str> = codebook
        .link_types
        .iter()
        .filter(|t| t.origin_codes.is_empty() && t.target_codes.is_empty())
        .map(|t| t.id.as_str())
        .collect();
    let n = annotations.len();
    if types.is_empty() || n < 2 {
        return Vec::new();
    }
    let mut rng = Rng::new(seed ^ 0x11AC);
    let mut links = Vec::with_capacity(count);
    while links.len() < count {
        let i = rng.below(n);
        let j = if rng.below(10) < 7 { (i + 1 + rng.below(8)).min(n - 1) } else { rng.below(n) };
        if i != j {
            let kind = types[rng.below(types.len())];
            links.push(crate::link::Link::new(kind, annotations[i].id, annotations[j].id, "bench"));
        }
    }
    links
}

fn links_targets(links: &LinksResult) -> Vec<Target> {
    let mut t = Vec::new();
    for f in &links.frames {
        t.push(Target { name: format!("links {} frame median", f.scenario), value: f.median_ms, limit: 4.0, unit: "ms" });
        t.push(Target { name: format!("links {} frame p95", f.scenario), value: f.p95_ms, limit: 8.0, unit: "ms" });
    }
    t
}

fn frames_json(frames: &[FrameStats]) -> serde_json::Map<String, serde_json::Value> {
    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    frames
        .iter()
        .map(|f| {
            (
                f.scenario.to_owned(),
                serde_json::json!({
                    "frames": f.frames,
                    "median_ms": r2(f.median_ms),
                    "p95_ms": r2(f.p95_ms),
                    "max_ms": r2(f.max_ms),
                    "layout_median_ms": r2(f.layout_median_ms),
                    "tessellate_median_ms": r2(f.tessellate_median_ms),
                }),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The class dashboard

/// Students and texts of the generated class.
pub const CLASS_STUDENTS: usize = 35;
pub const CLASS_TEXTS: usize = 5;
/// From Coders > Class dashboard… to the grades on screen (docs/performance.md).
pub const CLASS_READY_LIMIT_MS: f64 = 1000.0;

/// The class dashboard, timed.
#[derive(Debug, Clone)]
pub struct ClassResult {
    pub students: usize,
    pub texts: usize,
    /// Every annotation of the class (key and students).
    pub annotations: usize,
    /// From the command to the grades shown.
    pub ready_ms: f64,
    /// Frames drawn meanwhile, and the longest of them: the grading must not hold a frame.
    pub frames: usize,
    pub longest_frame_ms: f64,
}

impl ClassResult {
    fn target(&self) -> Target {
        Target {
            name: format!("class dashboard ready ({} students x {} texts)", self.students, self.texts),
            value: self.ready_ms,
            limit: CLASS_READY_LIMIT_MS,
            unit: "ms",
        }
    }
}

/// Writes a class folder: texts, the key's sidecars ("teacher") and every student's, each
/// student keeping most of the key's passages (some with another code, some shortened) and
/// adding a few of their own; `class.ron` names the key. Returns the annotations written.
fn write_class(folder: &Path, bytes: usize, key_marks: usize) -> Result<usize, Error> {
    let codebook = Codebook::default();
    let codes: Vec<String> = codebook.codes.iter().map(|c| c.id.clone()).collect();
    let mut total = 0;
    for t in 0..CLASS_TEXTS {
        let seed = 0xC1A55 + t as u64;
        let path = folder.join(format!("text-{}.txt", t + 1));
        let text = generate_text(bytes, seed);
        std::fs::write(&path, &text).map_err(|e| Error::io(&path, "cannot write the generated text", e))?;
        let doc = Document::open(&path)?;
        let doc_ref =
            DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
        let key = generate_annotations(&doc, &codebook, key_marks, seed);
        let mut rng = Rng::new(seed ^ 0x57);
        for s in 0..=CLASS_STUDENTS {
            let (coder, annotations) = if s == CLASS_STUDENTS {
                ("teacher".to_owned(), key.clone())
            } else {
                let coder = format!("student-{:02}", s + 1);
                let mut marks: Vec<Annotation> = Vec::new();
                for a in &key {
                    if !rng.chance(70) {
                        continue;
                    }
                    let code = if rng.chance(10) { rng.pick(&codes).clone() } else { a.code.clone() };
                    let span = a.span();
                    // Some shortened to half (widened to a grapheme boundary): still overlapping.
                    let end = if rng.chance(30) && span.len() > 4 { span.start + span.len() / 2 } else { span.end };
                    let span = doc.snap(Span::new(span.start, end));
                    marks.push(Annotation::new(&doc, span, &code, &coder));
                }
                marks.extend(generate_annotations(&doc, &codebook, 3, seed ^ s as u64).into_iter().map(|mut a| {
                    a.coder = coder.clone();
                    a
                }));
                (coder, marks)
            };
            total += annotations.len();
            let sidecar = Sidecar::new(doc_ref.clone(), &coder, codebook.clone(), annotations);
            sidecar::save(&sidecar::coder_path(&path, &coder), &sidecar, None)?;
        }
    }
    crate::class::set_key(folder, "teacher")?;
    Ok(total)
}

/// Generates the class, opens its folder in the app, and draws frames from the menu command
/// until the dashboard shows the grades.
fn run_class(options: Options, progress: &mut impl FnMut(&str)) -> Result<ClassResult, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let (bytes, marks) = if options.tiny { (3_000, 8) } else { (12_000, 30) };
    progress(&format!("class: generating {CLASS_STUDENTS} students x {CLASS_TEXTS} texts…"));
    let annotations = write_class(dir.path(), bytes, marks)?;
    progress("class: grading in the dashboard…");
    let mut bench = FrameBench::new(dir.path(), 0xC1A55)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let too_slow = || Error::usage("the class dashboard did not show the grades within a minute");
    while bench.app.class.is_none() {
        bench.frame();
        if Instant::now() > deadline {
            return Err(too_slow());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    bench.warm_up();
    let started = Instant::now();
    bench.app.push(super::command::UiCommand::ClassDashboard);
    let (mut frames, mut longest) = (0, 0.0f64);
    loop {
        let t = Instant::now();
        bench.frame();
        longest = longest.max(ms(t.elapsed()));
        frames += 1;
        if bench.app.views.dashboard.ready() {
            break;
        }
        if Instant::now() > deadline {
            return Err(too_slow());
        }
    }
    let ready_ms = ms(started.elapsed());
    if let Some(e) = &bench.app.views.dashboard.error {
        return Err(Error::usage(format!("the class dashboard could not grade the class: {e}")));
    }
    Ok(ClassResult { students: CLASS_STUDENTS, texts: CLASS_TEXTS, annotations, ready_ms, frames, longest_frame_ms: longest })
}

// ---------------------------------------------------------------------------------------------
// Imports

/// An import must finish (or be refused) within this, whatever the file's shape.
pub const IMPORT_LIMIT_MS: f64 = 5_000.0;

/// One import shape, timed.
#[derive(Debug, Clone)]
pub struct ImportResult {
    pub name: &'static str,
    pub bytes: usize,
    pub ms: f64,
    /// "read, N characters" or "refused: the message".
    pub outcome: String,
}

/// Imports every shape through the importers the CLI and the app use.
fn run_imports(bytes: usize, progress: &mut impl FnMut(&str)) -> Result<Vec<ImportResult>, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let mut out = Vec::new();
    for (name, content) in import_shapes(bytes) {
        progress(&format!("import {}: {name}…", human_bytes(content.len())));
        // HTML goes through the whole import (read the file, write the text beside it); docx
        // through its document.xml reader, the part that sees the shape.
        let html_path =
            (!name.starts_with("docx")).then(|| dir.path().join(format!("{}.html", name.replace([' ', '&', ';'], "-"))));
        if let Some(path) = &html_path {
            std::fs::write(path, &content).map_err(|e| Error::io(path, "cannot write", e))?;
        }
        let started = Instant::now();
        let result = match &html_path {
            Some(path) => crate::import::html::import(path, dir.path()).map(|summary| summary.carried.join("; ")),
            None => {
                let mut dropped = crate::import::docx::Dropped::new();
                crate::import::docx::paragraphs(Path::new("bench.docx"), content.as_bytes(), &mut dropped)
                    .map(|text| format!("read, {} characters", text.chars().count()))
            }
        };
        let elapsed = ms(started.elapsed());
        out.push(ImportResult {
            name,
            bytes: content.len(),
            ms: elapsed,
            outcome: result.unwrap_or_else(|e| format!("refused: {e}")),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// A folder of documents

/// The number of documents of the corpus case.
pub const CORPUS_DOCUMENTS: usize = 5_000;

/// The generated folder of the corpus case (see [`crate::testdata::write_folder`]).
#[derive(Debug, Clone, Copy)]
pub struct CorpusSpec {
    pub documents: usize,
    /// Bytes per document.
    pub bytes: usize,
    /// Annotations per document.
    pub annotations: usize,
    pub seed: u64,
}

impl CorpusSpec {
    pub fn full() -> Self {
        Self { documents: CORPUS_DOCUMENTS, bytes: 10_000, annotations: 100, seed: 5_000 }
    }

    pub fn tiny() -> Self {
        Self { documents: 40, bytes: 2_000, annotations: 10, seed: 40 }
    }

    /// "5,000 documents of 10 KB, 100 annotations each".
    pub fn label(&self) -> String {
        format!("{} documents of {}, {} annotations each", thousands(self.documents), human_bytes(self.bytes), self.annotations)
    }
}

/// The figures of the corpus case.
#[derive(Debug, Clone)]
pub struct CorpusResult {
    pub spec: CorpusSpec,
    pub timings: Vec<Timing>,
}

/// The corpus case's limits, ms: (timing, limit, what it means).
pub const CORPUS_LIMITS: [(&str, f64, &str); 8] = [
    ("matrix_cold", 5_000.0, "marginalia matrix FOLDER --cols document, a new process"),
    ("folder_listed", 1_000.0, "opening the folder in the app until its list is drawn"),
    ("folder_read", 10_000.0, "until the app has read every sidecar (in the background)"),
    ("folder_frame", 8.0, "a frame of the app with the folder's list shown (median)"),
    ("retrieve", 200.0, "Retrieve one code across the loaded folder"),
    ("matrix_document", 200.0, "codes x documents of the loaded folder"),
    ("matrix_code", 200.0, "codes x codes (overlap) of the loaded folder"),
    ("external_change", 2_000.0, "another program adds 50 annotations: until the open code matrix counts them"),
];

impl CorpusResult {
    pub fn timing(&self, name: &str) -> Option<f64> {
        self.timings.iter().find(|t| t.name == name).map(|t| t.ms)
    }

    fn targets(&self) -> Vec<Target> {
        CORPUS_LIMITS
            .iter()
            .filter_map(|(name, limit, _)| {
                self.timing(name).map(|v| Target { name: format!("folder {name}"), value: v, limit: *limit, unit: "ms" })
            })
            .collect()
    }
}

/// Writes the folder, then times `marginalia matrix` on it in a new process, opening it in the
/// app (its list, then every sidecar read in the background), and queries on the loaded folder.
fn run_corpus(spec: CorpusSpec, progress: &mut impl FnMut(&str)) -> Result<CorpusResult, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let folder = dir.path().join("corpus");
    progress(&format!("{}: generating the folder…", spec.label()));
    crate::testdata::write_folder(&folder, spec.documents, spec.bytes, spec.annotations, spec.seed)?;
    let mut timings = Vec::new();
    // This binary, started as a user would start it (not from a unit test's harness).
    if !cfg!(test)
        && let Ok(exe) = std::env::current_exe()
    {
        progress(&format!("{}: marginalia matrix, cold start…", spec.label()));
        timings.push(time_op("matrix_cold", 1, || {
            let status = std::process::Command::new(&exe)
                .args(["matrix", "--rows", "code", "--cols", "document", "--format", "csv"])
                .arg(&folder)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .map_err(|e| Error::io(&exe, "cannot run", e))?;
            if status.success() { Ok(()) } else { Err(Error::usage(format!("marginalia matrix failed on {}", folder.display()))) }
        })?);
    }
    progress(&format!("{}: opening the folder in the app…", spec.label()));
    let settings = Settings { coder: "bench".into(), ..Settings::default() };
    let mut app = App::new(settings, None);
    let ctx = egui::Context::default();
    let mut time = 0.0;
    let mut frame = |app: &mut App| {
        time += 1.0 / 60.0;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
            time: Some(time),
            focused: true,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| app.frame(ui));
        output.textures_delta.clear();
        std::hint::black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
    };
    let started = Instant::now();
    app.open(&folder);
    frame(&mut app);
    let listed = app.folder.as_ref().map_or(0, |f| f.entries.len());
    if listed != spec.documents {
        return Err(Error::usage(format!("the app listed {listed} of {} documents", spec.documents)));
    }
    timings.push(Timing { name: "folder_listed".into(), ms: ms(started.elapsed()), runs: 1 });
    while app.corpus.is_none() {
        if started.elapsed() > Duration::from_secs(300) {
            return Err(Error::usage("the app did not finish reading the folder in 5 minutes"));
        }
        std::thread::sleep(Duration::from_millis(5));
        frame(&mut app);
        if app.folder.as_ref().is_some_and(|f| f.reading.is_none()) && app.corpus.is_none() {
            let why = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
            return Err(Error::usage(format!("the app could not read the folder: {why}")));
        }
    }
    timings.push(Timing { name: "folder_read".into(), ms: ms(started.elapsed()), runs: 1 });
    let mut frames = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        frame(&mut app);
        frames.push(ms(t.elapsed()));
    }
    timings.push(Timing { name: "folder_frame".into(), ms: median(&mut frames), runs: frames.len() });
    let corpus = app.corpus.clone().ok_or_else(|| Error::usage("the folder was not read"))?;
    progress(&format!("{}: queries on the loaded folder…", spec.label()));
    let code = crate::retrieve::folder_codebook(&corpus).codes.first().map(|c| c.id.clone()).unwrap_or_default();
    let query = crate::retrieve::Query { codes: vec![code], ..Default::default() };
    timings.push(time_op("retrieve", 3, || crate::retrieve::retrieve(&corpus, &query).map(drop))?);
    for (name, cols) in [("matrix_document", crate::matrix::Axis::Document), ("matrix_code", crate::matrix::Axis::Code)] {
        let q = crate::matrix::MatrixQuery { cols, unit: crate::matrix::Unit::Overlap, coders: Vec::new(), share: None };
        timings.push(time_op(name, 3, || crate::matrix::build(&corpus, &q).map(drop))?);
    }
    drop(corpus);
    // Another program (as `marginalia autocode` or a `git pull` would) adds 50 annotations to
    // one document while the code matrix is open: until the matrix counts them.
    progress(&format!("{}: a change by another program, the code matrix open…", spec.label()));
    app.views.matrix.open = true;
    let total = |app: &App| app.views.matrix.matrix().map(|m| m.counts.iter().flatten().sum::<f64>());
    let waited = Instant::now();
    while total(&app).is_none() || app.views.matrix.busy() {
        if waited.elapsed() > Duration::from_secs(120) {
            return Err(Error::usage("the code matrix was not computed in 2 minutes"));
        }
        std::thread::sleep(Duration::from_millis(5));
        frame(&mut app);
    }
    let before = total(&app).unwrap_or_default();
    let target = app.folder.as_ref().and_then(|f| f.entries.get(f.entries.len() / 2)).map(|e| e.path.clone());
    let target = target.ok_or_else(|| Error::usage("the folder has no documents"))?;
    let changed = Instant::now();
    let mut other =
        crate::Session::open(&target, Some(&crate::sidecar::coder_path(&target, "another-program")), "another program")?;
    let text_len = other.doc.len_chars();
    let code = other.edits.codebook().codes.first().map(|c| c.id.clone()).unwrap_or_default();
    for i in 0..50 {
        let start = (i * 37) % text_len.saturating_sub(10).max(1);
        let span = crate::document::Span::new(start, (start + 8).min(text_len));
        let a = crate::Annotation::new(&other.doc, span, &code, "another program");
        other.apply(crate::Action::Add(a))?;
    }
    other.save()?;
    while total(&app).is_none_or(|t| t < before + 50.0) {
        if changed.elapsed() > Duration::from_secs(60) {
            return Err(Error::usage("the open code matrix did not show another program's change in a minute"));
        }
        std::thread::sleep(Duration::from_millis(5));
        frame(&mut app);
    }
    timings.push(Timing { name: "external_change".into(), ms: ms(changed.elapsed()), runs: 1 });
    drop(app);
    Ok(CorpusResult { spec, timings })
}

/// The smallest case's app, kept open (with its folder) to be timed beside the largest.
struct Reference {
    _dir: tempfile::TempDir,
    bench: FrameBench,
}

/// One case from start to end, step by step in the order the report lists them; kept as one
/// script so that the steps and their progress lines read in order.
fn run_case(
    spec: &CaseSpec,
    options: Options,
    largest: bool,
    exports: &[(&'static str, ExportFn)],
    reference: Option<&mut Reference>,
    say: &mut dyn FnMut(&str),
) -> Result<(CaseResult, Option<Reference>), Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
    let doc_path = dir.path().join(format!("bench-{}.txt", spec.name));
    say("generating the text and annotations");
    let (document_bytes, annotations) = write_fixture(spec, &doc_path, 0)?;
    reset_peak_rss();

    say("opening");
    let mut timings = Vec::new();
    let reps = if spec.bytes <= 2_000_000 { 5 } else { 1 };
    timings.push(time_op("open", reps, || Session::open(&doc_path, None, "bench").map(drop))?);
    timings.push(time_op("open_document", reps, || Document::open(&doc_path).map(drop))?);

    let mut bench = FrameBench::new(&doc_path, spec.bytes as u64)?;
    let paragraphs = bench.doc().paragraphs().len();
    let n = options.frames();
    let mut frames = Vec::new();
    let mut reference_frames = Vec::new();
    {
        // This case's app first, then (largest case) the smallest case's, frame by frame.
        let mut benches: Vec<&mut FrameBench> = vec![&mut bench];
        if let Some(r) = reference {
            benches.push(&mut r.bench);
        }
        let mut record = |mut stats: Vec<FrameStats>| {
            if stats.len() > 1 {
                reference_frames.push(stats.remove(1));
            }
            frames.push(stats.remove(0));
        };
        let at = |b: &FrameBench, fraction: f64| (b.doc().len_chars() as f64 * fraction) as usize;

        say("frames at the top");
        for b in benches.iter_mut() {
            b.warm_up();
        }
        record(interleaved(&mut benches, "top", n, FrameBench::frame_checked)?);

        say("frames in the middle");
        for b in benches.iter_mut() {
            b.jump(at(b, 0.5));
        }
        record(interleaved(&mut benches, "middle", n, FrameBench::frame_checked)?);

        say("frames at the end");
        for b in benches.iter_mut() {
            b.jump(at(b, 1.0));
        }
        record(interleaved(&mut benches, "end", n, FrameBench::frame_checked)?);

        say("scrolling a page per frame");
        for b in benches.iter_mut() {
            b.jump(at(b, 1.0 / 3.0));
        }
        record(interleaved(&mut benches, "scrolling", n, FrameBench::scroll_frame)?);

        say("adding annotations");
        for b in benches.iter_mut() {
            b.jump(at(b, 0.5));
        }
        record(interleaved(&mut benches, "after_add", n, FrameBench::add_frame)?);
    }
    let add_apply = median(&mut bench.applies);

    say("saving");
    let session = bench.app.session.as_mut().ok_or_else(|| Error::usage("the document did not open"))?;
    let save_reps = if spec.bytes <= 2_000_000 { 5 } else { 1 };
    let mut snapshot = Vec::new();
    let mut write = Vec::new();
    for _ in 0..save_reps {
        let t = Instant::now();
        let job = session.save_job();
        snapshot.push(ms(t.elapsed()));
        let t = Instant::now();
        let stamp = job.run()?;
        write.push(ms(t.elapsed()));
        session.finish_save(job.revision, stamp);
    }
    timings.push(Timing { name: "save_snapshot".into(), ms: median(&mut snapshot), runs: save_reps });
    timings.push(Timing { name: "save_write".into(), ms: median(&mut write), runs: save_reps });
    let total: Vec<f64> = snapshot.iter().zip(&write).map(|(a, b)| a + b).collect();
    timings.push(Timing { name: "save".into(), ms: median(&mut total.clone()), runs: save_reps });

    say("re-opening after an edit to the text");
    drop(bench);
    edit_document(&doc_path)?;
    timings.push(time_op("open_after_edit", 1, || Session::open(&doc_path, None, "bench").map(drop))?);

    say(if largest && !exports.is_empty() { "exporting" } else { "measuring memory" });
    if largest && !exports.is_empty() {
        let corpus = crate::corpus::load(&doc_path)?;
        let out = tempfile::tempdir().map_err(|e| Error::io(Path::new("."), "cannot create a temporary folder", e))?;
        for (name, export) in exports {
            timings.push(time_op(name, 1, || export(&corpus, out.path()))?);
        }
    }
    let peak_rss_mb = peak_rss_mb();
    let result = CaseResult {
        spec: spec.clone(),
        document_bytes,
        paragraphs,
        annotations,
        frames,
        add_apply_median_ms: add_apply,
        timings,
        peak_rss_mb,
        reference_frames,
    };
    // The smallest case is kept open (as re-opened after the edit) to be timed beside the largest.
    let kept = if largest { None } else { Some(Reference { bench: FrameBench::new(&doc_path, spec.bytes as u64)?, _dir: dir }) };
    Ok((result, kept))
}

/// Times `n` frames of `step` on each bench in turn, one frame each round, so that every bench
/// meets the machine in the same state; one [`FrameStats`] per bench.
fn interleaved(
    benches: &mut [&mut FrameBench],
    scenario: &'static str,
    n: usize,
    step: fn(&mut FrameBench) -> Result<(Duration, Duration), Error>,
) -> Result<Vec<FrameStats>, Error> {
    let mut samples = vec![Vec::with_capacity(n); benches.len()];
    for _ in 0..n {
        for (b, out) in benches.iter_mut().zip(&mut samples) {
            out.push(step(b)?);
        }
    }
    Ok(samples.iter().map(|s| stats(scenario, s)).collect())
}

fn time_op(name: &str, reps: usize, mut op: impl FnMut() -> Result<(), Error>) -> Result<Timing, Error> {
    let mut runs = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        op()?;
        runs.push(ms(t.elapsed()));
    }
    Ok(Timing { name: name.to_owned(), ms: median(&mut runs), runs: reps })
}

/// The app in a headless egui context.
struct FrameBench {
    ctx: egui::Context,
    app: App,
    time: f64,
    /// Chooses where "after add" frames add their annotations.
    rng: Rng,
    codes: Vec<String>,
    /// `Session::apply(Action::Add)` times of the "after add" frames.
    applies: Vec<f64>,
}

impl FrameBench {
    fn new(doc_path: &Path, seed: u64) -> Result<Self, Error> {
        let settings = Settings { coder: "bench".into(), ..Settings::default() };
        let mut app = App::new(settings, None);
        app.open(doc_path);
        app.finish_opening();
        let Some(session) = &app.session else {
            let why = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
            return Err(Error::usage(format!("the generated document did not open: {why}")));
        };
        let codes = session.edits.codebook().codes.iter().map(|c| c.id.clone()).collect();
        Ok(Self { ctx: egui::Context::default(), app, time: 0.0, rng: Rng::new(seed ^ 0xADD), codes, applies: Vec::new() })
    }

    fn doc(&self) -> &Document {
        &self.app.session.as_ref().expect("a session is open").doc
    }

    /// One frame: (layout, tessellation).
    fn frame(&mut self) -> (Duration, Duration) {
        self.time += 1.0 / 60.0;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            focused: true,
            ..Default::default()
        };
        let app = &mut self.app;
        let t0 = Instant::now();
        let mut output = self.ctx.run_ui(input, |ui| app.frame(ui));
        let t1 = Instant::now();
        // No GPU to upload font atlas changes to: they are dropped on purpose.
        output.textures_delta.clear();
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let t2 = Instant::now();
        std::hint::black_box(primitives);
        (t1 - t0, t2 - t1)
    }

    fn warm_up(&mut self) {
        for _ in 0..5 {
            self.frame();
        }
    }

    /// Jumps to `pos` and lets the view settle (measured heights, scroll offset).
    fn jump(&mut self, pos: usize) {
        self.app.views.document.view.scroll_to = Some(pos);
        for _ in 0..3 {
            self.frame();
        }
    }

    fn frame_checked(&mut self) -> Result<(Duration, Duration), Error> {
        Ok(self.frame())
    }

    /// Scrolls down by a page (to the first paragraph below the last one drawn, back to the top
    /// at the end), then times the frame.
    fn scroll_frame(&mut self) -> Result<(Duration, Duration), Error> {
        let (first, last) = self.app.views.document.view.visible_paragraphs;
        let paras = self.doc().paragraphs();
        let next = (last + 1).max(first + 1);
        self.app.views.document.view.scroll_to = Some(if next >= paras.len() { 0 } else { paras[next].chars.start });
        Ok(self.frame())
    }

    /// Adds an annotation in a visible paragraph and selects it (as tagging does), then times
    /// the next frame.
    fn add_frame(&mut self) -> Result<(Duration, Duration), Error> {
        let (first, last) = self.app.views.document.view.visible_paragraphs;
        let session = self.app.session.as_mut().expect("a session is open");
        let doc = &session.doc;
        let p = first + self.rng.below(last - first + 1);
        let para = doc.paragraphs()[p.min(doc.paragraphs().len() - 1)].chars;
        if para.len() >= 2 {
            let start = para.start + self.rng.below(para.len() - 1);
            let end = (start + 1 + self.rng.below(80)).min(para.end);
            let span = doc.snap(Span::new(start, end));
            let code = &self.codes[self.rng.below(self.codes.len())];
            let a = Annotation::new(doc, span, code, "bench");
            let id = a.id;
            let t = Instant::now();
            session.apply(Action::Add(a))?;
            self.applies.push(ms(t.elapsed()));
            self.app.selected = Some(id);
        }
        Ok(self.frame())
    }
}

/// The median of the scenarios' medians.
fn overall_median(frames: &[FrameStats]) -> f64 {
    let mut all: Vec<f64> = frames.iter().map(|f| f.median_ms).collect();
    all.sort_by(f64::total_cmp);
    percentile(&all, 0.5)
}

fn stats(scenario: &'static str, samples: &[(Duration, Duration)]) -> FrameStats {
    let mut total: Vec<f64> = samples.iter().map(|(a, b)| ms(*a + *b)).collect();
    let mut layout: Vec<f64> = samples.iter().map(|(a, _)| ms(*a)).collect();
    let mut tess: Vec<f64> = samples.iter().map(|(_, b)| ms(*b)).collect();
    total.sort_by(f64::total_cmp);
    FrameStats {
        scenario,
        frames: samples.len(),
        median_ms: percentile(&total, 0.5),
        p95_ms: percentile(&total, 0.95),
        max_ms: total.last().copied().unwrap_or(0.0),
        layout_median_ms: median(&mut layout),
        tessellate_median_ms: median(&mut tess),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(v, 0.5)
}

/// Nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn targets(cases: &[CaseResult]) -> Vec<Target> {
    let mut t = Vec::new();
    for c in cases {
        for f in &c.frames {
            t.push(Target {
                name: format!("{} {} frame median", c.spec.name, f.scenario),
                value: f.median_ms,
                limit: 4.0,
                unit: "ms",
            });
            t.push(Target { name: format!("{} {} frame p95", c.spec.name, f.scenario), value: f.p95_ms, limit: 8.0, unit: "ms" });
        }
    }
    if let (Some(first), Some(last)) = (cases.first(), cases.last())
        && cases.len() > 1
    {
        // Against the smallest case's frames timed beside the largest's when there are some.
        let small =
            if last.reference_frames.is_empty() { first.overall_median_ms() } else { overall_median(&last.reference_frames) };
        let ratio = last.overall_median_ms() / small.max(1e-9);
        t.push(Target {
            name: format!("{} / {} frame median ratio", last.spec.name, first.spec.name),
            value: ratio,
            limit: 1.5,
            unit: "×",
        });
    }
    if let Some(large) = cases.last() {
        for (name, limit) in [("open", 1000.0), ("save", 300.0), ("export_csv", 1000.0)] {
            if let Some(v) = large.timing(name) {
                t.push(Target { name: format!("{} {name}", large.spec.name), value: v, limit, unit: "ms" });
            }
        }
        if let Some(rss) = large.peak_rss_mb {
            t.push(Target { name: format!("{} peak memory", large.spec.name), value: rss, limit: 400.0, unit: "MB" });
        }
    }
    t
}

impl Report {
    pub fn to_json(&self) -> serde_json::Value {
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        let cases: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|c| {
                let frames = frames_json(&c.frames);
                let timings: serde_json::Map<String, serde_json::Value> =
                    c.timings.iter().map(|t| (format!("{}_ms", t.name), serde_json::json!(r2(t.ms)))).collect();
                serde_json::json!({
                    "name": c.spec.name,
                    "label": c.spec.label(),
                    "document_bytes": c.document_bytes,
                    "document_mb": r2(c.document_bytes as f64 / 1e6),
                    "paragraphs": c.paragraphs,
                    "annotations": c.annotations,
                    "frame": frames,
                    "frame_median_ms": r2(c.overall_median_ms()),
                    "reference_frame_median_ms": (!c.reference_frames.is_empty()).then(|| r2(overall_median(&c.reference_frames))),
                    "add_apply_median_ms": r2(c.add_apply_median_ms),
                    "timings": timings,
                    "peak_rss_mb": c.peak_rss_mb.map(r2),
                })
            })
            .collect();
        let targets: Vec<serde_json::Value> = self
            .targets
            .iter()
            .map(|t| serde_json::json!({"name": t.name, "value": r2(t.value), "limit": t.limit, "unit": t.unit, "met": t.met()}))
            .collect();
        let imports: Vec<serde_json::Value> = self
            .imports
            .iter()
            .map(|i| serde_json::json!({"name": i.name, "bytes": i.bytes, "ms": r2(i.ms), "outcome": i.outcome}))
            .collect();
        let links = self.links.as_ref().map(|l| {
            serde_json::json!({
                "label": l.spec.label(),
                "document_mb": r2(l.spec.case.bytes as f64 / 1e6),
                "annotations": l.spec.case.annotations,
                "links": l.links,
                "frame": frames_json(&l.frames),
                "drawn_middle_selected": {"curves": l.drawn.0, "stubs": l.drawn.1},
            })
        });
        let class = self.class.as_ref().map(|c| {
            serde_json::json!({
                "students": c.students,
                "texts": c.texts,
                "annotations": c.annotations,
                "ready_ms": r2(c.ready_ms),
                "frames": c.frames,
                "longest_frame_ms": r2(c.longest_frame_ms),
            })
        });
        let corpus: serde_json::Map<String, serde_json::Value> =
            self.corpus.timings.iter().map(|t| (format!("{}_ms", t.name), serde_json::json!(r2(t.ms)))).collect();
        serde_json::json!({
            "links_case": links,
            "class": class,
            "imports": imports,
            "corpus": {
                "documents": self.corpus.spec.documents,
                "document_bytes": self.corpus.spec.bytes,
                "annotations_per_document": self.corpus.spec.annotations,
                "timings": corpus,
            },
            "mode": self.mode,
            "build": if self.release { "release" } else { "debug" },
            "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
            "saving": "the app takes the snapshot (save_snapshot_ms) on the UI thread and writes it (save_write_ms) on its save thread",
            "cases": cases,
            "targets": targets,
            "all_targets_met": self.targets.iter().all(Target::met),
            "seconds": r2(self.seconds),
        })
    }

    /// The figures as tables for people (one table after another, so it stays one function).
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Marginalia bench ({} mode, {} build, {:.0} s)",
            self.mode,
            if self.release { "release" } else { "debug" },
            self.seconds
        );
        if self.cases.is_empty() && self.links.is_some() {
            // The links case alone (`--links`).
            self.links_text(&mut s);
            let _ = writeln!(s);
            self.targets_text(&mut s);
            return s;
        }
        let _ = writeln!(s);
        // `--class` measures the class dashboard alone.
        if !self.cases.is_empty() {
            let _ = writeln!(s, "Frame time (layout + tessellation), ms: median / p95");
            let _ = write!(s, "{:<22}", "case");
            let scenarios = ["top", "middle", "end", "scrolling", "after_add"];
            for sc in scenarios {
                let _ = write!(s, "{sc:>16}");
            }
            let _ = writeln!(s);
            for c in &self.cases {
                let _ = write!(s, "{:<22}", c.spec.label());
                for sc in scenarios {
                    match c.frame(sc) {
                        Some(f) => {
                            let _ = write!(s, "{:>16}", format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
                        }
                        None => {
                            let _ = write!(s, "{:>16}", "—");
                        }
                    }
                }
                let _ = writeln!(s);
            }
            if let (Some(first), Some(last)) = (self.cases.first(), self.cases.last())
                && !last.reference_frames.is_empty()
            {
                let _ = write!(s, "{:<22}", format!("{} again¹", first.spec.label()));
                for f in &last.reference_frames {
                    let _ = write!(s, "{:>16}", format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
                }
                let _ = writeln!(s);
                let _ = writeln!(
                    s,
                    "¹ timed frame by frame alternately with {}; the large/small ratio uses these",
                    last.spec.label()
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "Operations, ms (and peak memory, MB)");
            for c in &self.cases {
                let ops: Vec<String> = c.timings.iter().map(|t| format!("{} {:.1}", t.name, t.ms)).collect();
                let rss = c.peak_rss_mb.map_or("n/a".to_owned(), |m| format!("{m:.0} MB"));
                let _ = writeln!(
                    s,
                    "{:<22}{}; add (apply) {:.2}; peak memory {rss}; {} paragraphs",
                    c.spec.label(),
                    ops.join(", "),
                    c.add_apply_median_ms,
                    c.paragraphs
                );
            }
            let _ = writeln!(s, "(saving: the snapshot is taken on the UI thread, the write runs on the app's save thread)");
            let _ = writeln!(s);
            let _ = writeln!(s, "Imports of the worst shapes, ms");
            for i in &self.imports {
                let _ = writeln!(
                    s,
                    "  {:<30} {:>8} {:>9.1}  {}",
                    i.name,
                    human_bytes(i.bytes),
                    i.ms,
                    crate::document::excerpt(&i.outcome, 110)
                );
            }
            let _ = writeln!(s);
            let _ = writeln!(s, "A folder: {}, ms", self.corpus.spec.label());
            for (name, _, what) in CORPUS_LIMITS {
                if let Some(v) = self.corpus.timing(name) {
                    let _ = writeln!(s, "  {name:<18} {v:>9.1}  {what}");
                }
            }
            let _ = writeln!(s);
        }
        if let Some(c) = &self.class {
            let _ = writeln!(
                s,
                "Class dashboard, {} students x {} texts ({} annotations): grades shown after {:.0} ms; {} frames meanwhile, the longest {:.1} ms",
                c.students, c.texts, c.annotations, c.ready_ms, c.frames, c.longest_frame_ms
            );
            let _ = writeln!(s);
        }
        if self.links.is_some() {
            self.links_text(&mut s);
            let _ = writeln!(s);
        }
        self.targets_text(&mut s);
        s
    }

    /// The links case's table (nothing when it did not run).
    fn links_text(&self, s: &mut String) {
        use std::fmt::Write;
        if let Some(l) = &self.links {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{} ({} annotations; {} curves and {} stubs drawn with a linked annotation selected), ms: median / p95",
                l.spec.label(),
                thousands(l.spec.case.annotations),
                l.drawn.0,
                l.drawn.1
            );
            for f in &l.frames {
                let _ = writeln!(s, "  {:<18}{:>16}", f.scenario, format!("{:.2} / {:.2}", f.median_ms, f.p95_ms));
            }
        }
    }

    fn targets_text(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(s, "Targets");
        for t in &self.targets {
            let _ = writeln!(
                s,
                "  {} {:<40} {:>9.2} {} (limit {} {})",
                if t.met() { "ok  " } else { "MISS" },
                t.name,
                t.value,
                t.unit,
                t.limit,
                t.unit
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Peak memory

/// Resets the peak resident set size (Linux: writing 5 to clear_refs); a no-op elsewhere.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `VmHWM` from /proc/self/status, in MB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0 / 1e6)
}

/// Writes the case's document and sidecar (with `links` links); returns (document bytes,
/// annotations).
fn write_fixture(spec: &CaseSpec, doc_path: &Path, links: usize) -> Result<(usize, usize), Error> {
    let seed = spec.bytes as u64;
    let text = generate_text(spec.bytes, seed);
    std::fs::write(doc_path, &text).map_err(|e| Error::io(doc_path, "cannot write the generated document", e))?;
    let mut doc = Document::from_text(text);
    doc.set_path(doc_path.to_path_buf());
    let codebook = Codebook::default();
    let mut annotations = generate_annotations(&doc, &codebook, spec.annotations, seed);
    // In text order, so that "near in the list" is near in the text for the links.
    annotations.sort_by_key(Annotation::sort_key);
    let count = annotations.len();
    let links = generate_links(&codebook, &annotations, links, seed);
    let mut sidecar = Sidecar::new(
        DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() },
        "bench",
        codebook,
        annotations,
    );
    sidecar.links = links;
    sidecar::save(&sidecar::default_path(doc_path), &sidecar, None)?;
    Ok((doc.text().len(), count))
}

/// Inserts a new first paragraph, so that every annotation has to be found again.
fn edit_document(doc_path: &Path) -> Result<PathBuf, Error> {
    let text = std::fs::read_to_string(doc_path).map_err(|e| Error::io(doc_path, "cannot read the generated document", e))?;
    let edited = format!("Preface added after coding — Zoë’s notes 🎉\n{text}");
    std::fs::write(doc_path, edited).map_err(|e| Error::io(doc_path, "cannot write the generated document", e))?;
    Ok(doc_path.to_path_buf())
}

fn human_bytes(n: usize) -> String {
    if n >= 1_000_000 { format!("{} MB", n / 1_000_000) } else { format!("{} KB", n / 1_000) }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.95), 95.0);
        assert_eq!(thousands(100_000), "100,000");
    }
}
