//! The class dashboard case: 35 students by 5 texts, from the menu command to the grades shown.

use super::*;

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
    pub(super) fn target(&self) -> Target {
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
pub(super) fn write_class(folder: &Path, bytes: usize, key_marks: usize) -> Result<usize, Error> {
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
pub(super) fn run_class(options: Options, progress: &mut impl FnMut(&str)) -> Result<ClassResult, Error> {
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
    bench.app.push(crate::ui::command::UiCommand::ClassDashboard);
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
