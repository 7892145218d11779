//! `marginalia bench`: measures the app's frame time, open, save, exports and peak memory on
//! generated documents (see docs/performance.md).

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
    /// Only write the generated folder of the corpus cases (5,000 documents of 10 KB with 100
    /// annotations each, or as many as --documents says) to DIR, for timing commands on it.
    #[arg(long, value_name = "DIR")]
    pub write_corpus: Option<std::path::PathBuf>,
    /// How many documents --write-corpus writes.
    #[arg(long, default_value_t = crate::ui::bench::CORPUS_DOCUMENTS, requires = "write_corpus")]
    pub documents: usize,
}

pub fn run(args: BenchArgs) -> Result<i32, Error> {
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; build with --release for figures that mean anything");
    }
    if let Some(dir) = &args.write_corpus {
        let spec = crate::ui::bench::CorpusSpec { documents: args.documents, ..crate::ui::bench::CorpusSpec::full() };
        let n = crate::testdata::write_folder(dir, spec.documents, spec.bytes, spec.annotations, spec.seed)?;
        eprintln!("wrote {n} documents with {} annotations each to {}", spec.annotations, dir.display());
        return Ok(0);
    }
    let options =
        crate::ui::bench::Options { quick: args.quick, tiny: args.tiny, class_only: args.class, links_only: args.links };
    let report = crate::ui::bench::run(options, |line| eprintln!("{line}"))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    Ok(0)
}
