//! The folder case: 5,000 documents of 10 KB with 100 annotations each, in a new process and in the app.

use super::*;

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

    pub(super) fn targets(&self) -> Vec<Target> {
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
pub(super) fn run_corpus(spec: CorpusSpec, progress: &mut impl FnMut(&str)) -> Result<CorpusResult, Error> {
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
