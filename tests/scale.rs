//! A 10 MB text with 100,000 annotations: opening it with its sidecar, and re-anchoring every
//! annotation after an edit at the very start. Run with
//! `cargo test --release --no-default-features --test scale -- --ignored --nocapture`;
//! it prints how long each step took (the figures are for reading, not asserted).

use std::time::Instant;

use marginalia::anchor::reanchor_all;
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use marginalia::{AnchorStatus, Annotation, Codebook, Document, Session, Span};

#[test]
#[ignore = "slow in debug builds; a measurement, run on demand"]
fn ten_megabytes_and_a_hundred_thousand_annotations() {
    let mut text = String::with_capacity(10_500_000);
    let mut n = 0;
    while text.len() < 10_000_000 {
        text.push_str(&format!(
            "¶{n}: Señora Ibáñez said “rents rose forty percent” — the council must act 🏠👨‍👩‍👧‍👦 🇮🇸 before March.\r\n"
        ));
        n += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("long.txt");
    std::fs::write(&doc_path, &text).unwrap();

    let t = Instant::now();
    let doc = Document::open(&doc_path).unwrap();
    println!("decode {} MB, {} code points: {:?}", text.len() / 1_000_000, doc.len_chars(), t.elapsed());

    let t = Instant::now();
    let step = doc.len_chars() / 100_000;
    let annotations: Vec<Annotation> = (0..100_000)
        .map(|i| {
            let span = doc.snap(Span::new(i * step, i * step + 30));
            Annotation::new(&doc, span, ["demand", "opinion", "prediction"][i % 3], "scale")
        })
        .collect();
    println!("create 100,000 annotations: {:?}", t.elapsed());
    let doc_ref = DocumentRef { file_name: "long.txt".into(), fingerprint: doc.fingerprint().into(), length: doc.len_chars() };
    let sc = Sidecar::new(doc_ref, "scale", Codebook::default(), annotations.clone());
    let t = Instant::now();
    sidecar::save(&sidecar::default_path(&doc_path), &sc, None).unwrap();
    println!("save sidecar: {:?}", t.elapsed());

    let t = Instant::now();
    let loaded = sidecar::load(&sidecar::default_path(&doc_path)).unwrap().unwrap();
    println!("load and validate the sidecar alone: {:?}", t.elapsed());
    let mut same = loaded.sidecar.annotations;
    let t = Instant::now();
    let report = reanchor_all(&doc, &mut same);
    println!("check 100,000 anchors in the unchanged text: {:?} ({})", t.elapsed(), report.summary());

    let t = Instant::now();
    let session = Session::open(&doc_path, None, "scale").unwrap();
    println!("open document + sidecar + check anchors: {:?} ({})", t.elapsed(), session.report.summary());
    assert_eq!(session.report.anchored, 100_000);

    // An edit at the very start moves every annotation.
    let edited = Document::from_text(format!("Good evening! 🎉\r\n{text}"));
    let mut moved = annotations.clone();
    let t = Instant::now();
    let report = reanchor_all(&edited, &mut moved);
    println!("re-anchor after an insertion at the start: {:?} ({})", t.elapsed(), report.summary());
    assert_eq!(report.reanchored, 100_000);
    for (a, b) in moved.iter().zip(&annotations) {
        assert_eq!(a.status, AnchorStatus::Reanchored);
        assert_eq!(a.start, b.start + 17);
        assert_eq!(a.exact, b.exact);
    }
}
