//! `marginalia bench`: measures the app's frame time, open, save, exports and peak memory on
//! generated documents (see docs/performance.md); `--w3c-import` times the W3C import alone.

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Only the smallest (50 KB / 100) and largest (10 MB / 100,000) case; under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Only the links case: 10,000 links between 100,000 annotations of a 10 MB document.
    #[arg(long)]
    pub links: bool,
    /// Print one JSON object with every figure (milliseconds, megabytes) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Tiny documents and three frames per scenario: checks the command itself, not speed.
    #[arg(long, hide = true)]
    pub tiny: bool,
    /// Only the class dashboard: 35 students x 5 texts, from the menu command to the grades shown.
    #[arg(long)]
    pub class: bool,
    /// Only the folder case: 5,000 documents of 10 KB with 100 annotations each, opened in the
    /// app, queried, and changed by another program while the code matrix is open.
    #[arg(long)]
    pub folder: bool,
    /// Only write the generated folder of the corpus cases (5,000 documents of 10 KB with 100
    /// annotations each, or as many as --documents says) to DIR, for timing commands on it.
    #[arg(long, value_name = "DIR")]
    pub write_corpus: Option<std::path::PathBuf>,
    /// How many documents --write-corpus writes.
    #[arg(long, default_value_t = crate::bench::CORPUS_DOCUMENTS, requires = "write_corpus")]
    pub documents: usize,
    /// Only the W3C import: a collection exported by Marginalia (--annotations of them, by five
    /// coders, on a generated document of 100 bytes per annotation), imported into a new
    /// folder as `marginalia import` does; its time and the peak memory.
    #[arg(long)]
    pub w3c_import: bool,
    /// How many annotations --w3c-import imports.
    #[arg(long, default_value_t = 100_000, requires = "w3c_import")]
    pub annotations: usize,
}

pub fn run(args: BenchArgs) -> Result<i32, Error> {
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; build with --release for figures that mean anything");
    }
    if let Some(dir) = &args.write_corpus {
        let spec = crate::bench::CorpusSpec { documents: args.documents, ..crate::bench::CorpusSpec::full() };
        let n = crate::testdata::write_folder(dir, spec.documents, spec.bytes, spec.annotations, spec.seed)?;
        eprintln!("wrote {n} documents with {} annotations each to {}", spec.annotations, dir.display());
        return Ok(0);
    }
    if args.w3c_import {
        let figure = w3c_import(args.annotations, |line| eprintln!("{line}"))?;
        if args.json {
            println!("{}", serde_json::json!({ "w3c_import": figure }));
        } else {
            println!(
                "W3C import: {} annotations by {} coders ({} MB collection, {} MB document): {:.2} s, peak memory {}",
                figure["annotations"],
                figure["coders"],
                figure["collection_mb"],
                figure["document_mb"],
                figure["seconds"].as_f64().unwrap_or_default(),
                figure["peak_rss_mb"].as_f64().map_or_else(|| "not measured".to_owned(), |mb| format!("{mb:.0} MB"))
            );
        }
        return Ok(0);
    }
    let options = crate::bench::Options {
        quick: args.quick,
        tiny: args.tiny,
        class_only: args.class,
        links_only: args.links,
        folder_only: args.folder,
    };
    let report = crate::bench::run(options, |line| eprintln!("{line}"))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(0)
}

/// Times the import of a W3C collection of `count` annotations by five coders: the
/// collection is Marginalia's own export of a generated folder, imported into a new folder
/// with the same text, through the importer `marginalia import` uses. Returns the figures as
/// JSON (seconds, MB).
fn w3c_import(count: usize, mut progress: impl FnMut(&str)) -> Result<serde_json::Value, Error> {
    use crate::codebook::Codebook;
    use crate::document::Document;
    use crate::sidecar::{self, DocumentRef, Sidecar};
    const CODERS: [&str; 5] = ["ana", "bruno", "chen", "dara", "emeka"];
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::path::Path::new("."), "cannot create a temporary folder", e))?;
    let (from, into) = (dir.path().join("from"), dir.path().join("into"));
    for d in [&from, &into] {
        std::fs::create_dir(d).map_err(|e| Error::io(d, "cannot create a folder", e))?;
    }
    progress(&format!("w3c import: writing {count} annotations by {} coders…", CODERS.len()));
    let text = crate::testdata::generate_text(100 * count.max(1), 16);
    let doc_path = from.join("speech.txt");
    std::fs::write(&doc_path, &text).map_err(|e| Error::io(&doc_path, "cannot write the generated document", e))?;
    std::fs::write(into.join("speech.txt"), &text).map_err(|e| Error::io(&into, "cannot write the generated document", e))?;
    let mut doc = Document::from_text(text);
    doc.set_path(doc_path.clone());
    let codebook = Codebook::default();
    let annotations = crate::testdata::generate_annotations(&doc, &codebook, count, 16);
    let mut by_coder: Vec<Vec<crate::annotation::Annotation>> = vec![Vec::new(); CODERS.len()];
    for (i, mut a) in annotations.into_iter().enumerate() {
        a.coder = CODERS[i % CODERS.len()].to_owned();
        by_coder[i % CODERS.len()].push(a);
    }
    for (coder, list) in CODERS.iter().zip(by_coder) {
        let doc_ref =
            DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
        let sc = Sidecar::new(doc_ref, coder, codebook.clone(), list);
        sidecar::save(&sidecar::coder_path(&doc_path, coder), &sc, None)?;
    }
    let collection = dir.path().join("collection.jsonld");
    let corpus = crate::corpus::load(&from)?;
    crate::export::write(&corpus, crate::export::Format::W3c, &Default::default(), &collection, &|_, _| true)?;
    drop(corpus);
    let collection_bytes = std::fs::metadata(&collection).map_err(|e| Error::io(&collection, "cannot read", e))?.len();
    progress("w3c import: importing…");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = std::time::Instant::now();
    let summary = crate::import::import(&collection, Some(&into), "bench")?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = crate::bench::peak_rss_mb();
    let written = summary.written.len();
    Ok(serde_json::json!({
        "annotations": count,
        "coders": CODERS.len(),
        "sidecars_written": written,
        "collection_mb": (collection_bytes as f64 / 1e6 * 10.0).round() / 10.0,
        "document_mb": (doc.text().len() as f64 / 1e6 * 10.0).round() / 10.0,
        "seconds": seconds,
        "peak_rss_mb": peak,
    }))
}
