//! Frames of the real app in a headless egui context, and the timed operations of one case.

use super::*;

/// The smallest case's app, kept open (with its folder) to be timed beside the largest.
pub(super) struct Reference {
    _dir: tempfile::TempDir,
    bench: FrameBench,
}

/// One case from start to end, step by step in the order the report lists them; kept as one
/// script so that the steps and their progress lines read in order.
pub(super) fn run_case(
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
pub(super) fn interleaved(
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

pub(super) fn time_op(name: &str, reps: usize, mut op: impl FnMut() -> Result<(), Error>) -> Result<Timing, Error> {
    let mut runs = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        op()?;
        runs.push(ms(t.elapsed()));
    }
    Ok(Timing { name: name.to_owned(), ms: median(&mut runs), runs: reps })
}

/// The app in a headless egui context.
pub(super) struct FrameBench {
    pub(super) ctx: egui::Context,
    pub(super) app: App,
    pub(super) time: f64,
    /// Chooses where "after add" frames add their annotations.
    pub(super) rng: Rng,
    pub(super) codes: Vec<String>,
    /// `Session::apply(Action::Add)` times of the "after add" frames.
    pub(super) applies: Vec<f64>,
}

impl FrameBench {
    pub(super) fn new(doc_path: &Path, seed: u64) -> Result<Self, Error> {
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

    pub(super) fn doc(&self) -> &Document {
        &self.app.session.as_ref().expect("a session is open").doc
    }

    /// One frame: (layout, tessellation).
    pub(super) fn frame(&mut self) -> (Duration, Duration) {
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

    pub(super) fn warm_up(&mut self) {
        for _ in 0..5 {
            self.frame();
        }
    }

    /// Jumps to `pos` and lets the view settle (measured heights, scroll offset).
    pub(super) fn jump(&mut self, pos: usize) {
        self.app.views.document.view.scroll_to = Some(pos);
        for _ in 0..3 {
            self.frame();
        }
    }

    pub(super) fn frame_checked(&mut self) -> Result<(Duration, Duration), Error> {
        Ok(self.frame())
    }

    /// Scrolls down by a page (to the first paragraph below the last one drawn, back to the top
    /// at the end), then times the frame.
    pub(super) fn scroll_frame(&mut self) -> Result<(Duration, Duration), Error> {
        let (first, last) = self.app.views.document.view.visible_paragraphs;
        let paras = self.doc().paragraphs();
        let next = (last + 1).max(first + 1);
        self.app.views.document.view.scroll_to = Some(if next >= paras.len() { 0 } else { paras[next].chars.start });
        Ok(self.frame())
    }

    /// Adds an annotation in a visible paragraph and selects it (as tagging does), then times
    /// the next frame.
    pub(super) fn add_frame(&mut self) -> Result<(Duration, Duration), Error> {
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

/// Writes the case's document and sidecar (with `links` links); returns (document bytes,
/// annotations).
pub(super) fn write_fixture(spec: &CaseSpec, doc_path: &Path, links: usize) -> Result<(usize, usize), Error> {
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
pub(super) fn edit_document(doc_path: &Path) -> Result<PathBuf, Error> {
    let text = std::fs::read_to_string(doc_path).map_err(|e| Error::io(doc_path, "cannot read the generated document", e))?;
    let edited = format!("Preface added after coding — Zoë’s notes 🎉\n{text}");
    std::fs::write(doc_path, edited).map_err(|e| Error::io(doc_path, "cannot write the generated document", e))?;
    Ok(doc_path.to_path_buf())
}
