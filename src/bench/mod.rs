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
//! Everything is seeded, so two runs measure the same texts. The harness sits above the app it
//! drives (no core module and no part of `ui` imports it); the CLI's `bench` subcommand calls
//! it. One file per case: `frames` (the document cases), `links`, `imports`, `corpus`,
//! `class`, and `report` (targets, tables, JSON).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::annotation::Annotation;
use crate::codebook::Codebook;
use crate::corpus::Corpus;
use crate::document::{Document, Span};
use crate::edits::Action;
use crate::error::Error;
use crate::session::Session;
use crate::sidecar::{self, DocumentRef, Sidecar};
use crate::testdata::{Rng, generate_annotations, generate_text, import_shapes};
use crate::ui::{App, Settings};

mod class;
mod corpus;
mod frames;
mod imports;
mod links;
mod report;

pub use class::*;
pub use corpus::*;
use frames::*;
pub use imports::*;
pub use links::*;
use report::*;

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
