//! Grading on the codes an assignment asks for, through the real binary: a class folder whose
//! `class.ron` asks for some codes on a text, students' work packed, handed in and collected,
//! then `marginalia class grade` and `marginalia class feedback` read as a teacher reads them.

use std::path::Path;

use marginalia::annotation::Annotation;
use marginalia::codebook::Codebook;
use marginalia::document::{Document, Span};
use marginalia::sidecar::{self, DocumentRef, Sidecar};
use serde_json::Value;

use crate::common;
use common::ok;

/// A text with six passages of the codes asked for on it (three predictions, three demands),
/// one opinion (a code not asked for there) and one sentence the key leaves alone.
const RALLY: &str = "Prices will drop by spring. The council must act now. Schools will reopen in May. \
                     Everyone must register today. Our mayor is the best in the land. Trains will run hourly. \
                     The park must stay open. I love this town.\n";
const KEY_RALLY: [(&str, &str); 7] = [
    ("Prices will drop by spring", "prediction"),
    ("The council must act now", "demand"),
    ("Schools will reopen in May", "prediction"),
    ("Everyone must register today", "demand"),
    ("Our mayor is the best in the land", "opinion"),
    ("Trains will run hourly", "prediction"),
    ("The park must stay open", "demand"),
];
/// The six passages asked for, marked as the key marks them.
const SIX: [(&str, &str); 6] = [
    ("Prices will drop by spring", "prediction"),
    ("The council must act now", "demand"),
    ("Schools will reopen in May", "prediction"),
    ("Everyone must register today", "demand"),
    ("Trains will run hourly", "prediction"),
    ("The park must stay open", "demand"),
];
/// A second text, with no codes asked for on it: every code counts there.
const LETTER: &str = "Dear council,\nthe library should open on Mondays. Readers will come back.\nYours, a neighbour\n";
const KEY_LETTER: [(&str, &str); 2] =
    [("the library should open on Mondays", "demand"), ("Readers will come back", "prediction")];

/// Writes `coder`'s sidecar of `doc_path`, marking each (quote, code).
fn write_marks(doc_path: &Path, coder: &str, marks: &[(&str, &str)]) {
    let doc = Document::open(doc_path).unwrap();
    let anns: Vec<Annotation> = marks
        .iter()
        .map(|(quote, code)| {
            let start = doc.char_of(doc.text().find(quote).unwrap_or_else(|| panic!("{quote} not in the text")));
            Annotation::new(&doc, Span::new(start, start + quote.chars().count()), code, coder)
        })
        .collect();
    let doc_ref = DocumentRef { file_name: doc.file_name(), fingerprint: doc.fingerprint().to_owned(), length: doc.len_chars() };
    let path = sidecar::coder_path(doc_path, coder);
    let _ = std::fs::remove_file(&path);
    sidecar::save(&path, &Sidecar::new(doc_ref, coder, Codebook::default(), anns), None).unwrap();
}

/// A student's marks on each text.
struct Work<'a> {
    student: &'a str,
    rally: &'a [(&'a str, &'a str)],
    letter: &'a [(&'a str, &'a str)],
}

/// A class folder of two texts, rally.txt asking for predictions and demands only and
/// letter.md for any code, with the key above (coder "teacher"); each student unpacks the
/// assignment, marks the texts, hands in; the teacher collects every hand-in.
fn class_with(works: &[Work<'_>]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let class_dir = dir.join("class");
    std::fs::create_dir(&class_dir).unwrap();
    std::fs::write(class_dir.join("rally.txt"), RALLY).unwrap();
    std::fs::write(class_dir.join("letter.md"), LETTER).unwrap();
    ok(dir, &["class", "key", "class", "--coder", "teacher"]);
    let class_ron = std::fs::read_to_string(class_dir.join("class.ron")).unwrap();
    let asked = class_ron.replace("codes: {}", "codes: {\"rally.txt\": [\"prediction\", \"demand\"]}");
    assert_ne!(asked, class_ron);
    std::fs::write(class_dir.join("class.ron"), asked).unwrap();
    ok(dir, &["class", "pack", "class", "-o", "a.marginalia-assignment"]);
    let mut collect: Vec<String> = ["class", "collect", "class"].map(str::to_owned).to_vec();
    for w in works {
        ok(dir, &["class", "unpack", "a.marginalia-assignment", w.student]);
        let folder = dir.join(w.student);
        write_marks(&folder.join("rally.txt"), w.student, w.rally);
        if !w.letter.is_empty() {
            write_marks(&folder.join("letter.md"), w.student, w.letter);
        }
        let handin = format!("{}.marginalia-handin", w.student);
        ok(dir, &["class", "handin", w.student, "--coder", w.student, "-o", &handin]);
        collect.push(handin);
    }
    ok(dir, &collect.iter().map(String::as_str).collect::<Vec<_>>());
    write_marks(&class_dir.join("rally.txt"), "teacher", &KEY_RALLY);
    write_marks(&class_dir.join("letter.md"), "teacher", &KEY_LETTER);
    root
}

fn row<'a>(rows: &'a [Value], student: &str, doc: &str, code: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["student"] == student && r["document"] == doc && r["code"] == code)
        .unwrap_or_else(|| panic!("no row {student} {doc} {code}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

/// The part of a feedback page's section on `doc` under the heading that starts with
/// `heading`, up to the next heading.
fn feedback_list<'a>(page: &'a str, doc: &str, heading: &str) -> &'a str {
    let section = &page[page.find(&format!("<h2>{doc}</h2>")).unwrap_or_else(|| panic!("no {doc}:\n{page}"))..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    let start = section.find(&format!("<h3>{heading}")).unwrap_or_else(|| panic!("no {heading} list:\n{section}"));
    let rest = &section[start + 4..];
    &rest[..rest.find("<h3>").unwrap_or(rest.len())]
}

#[test]
fn only_the_codes_asked_for_on_a_text_are_graded() {
    // "exact" marks the six passages asked for; "eager" marks them too, and an opinion the key
    // does not have (opinions are not asked for, so it is neither right nor wrong). Both mark
    // the letter as the key does.
    let eager: Vec<(&str, &str)> = SIX.iter().copied().chain([("I love this town", "opinion")]).collect();
    let root = class_with(&[
        Work { student: "exact", rally: &SIX, letter: &KEY_LETTER },
        Work { student: "eager", rally: &eager, letter: &KEY_LETTER },
        // On the letter, where every code counts, an opinion the key does not have costs.
        Work { student: "opinionated", rally: &SIX, letter: &[("Readers will come back", "prediction"), ("Yours", "opinion")] },
    ]);
    let dir = root.path();

    let table = ok(dir, &["class", "grade", "class"]);
    let grade_of = |student: &str| {
        let section = table.split("GRADE (%)").nth(1).unwrap_or_else(|| panic!("no grades:\n{table}"));
        let line = section.lines().find(|l| l.starts_with(student)).unwrap_or_else(|| panic!("no {student}:\n{table}"));
        line.split_whitespace().nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(grade_of("exact"), "100.00", "{table}");
    assert_eq!(grade_of("eager"), "100.00", "{table}");
    // rally 100; letter: found 1, missed 1, added 1 → F1 = 2 / 4.
    assert_eq!(grade_of("opinionated"), "75.00", "{table}");
    // The class by code: the opinion counts on the letter only (one added, no key passage).
    let by_code = table.split("CLASS BY CODE").nth(1).expect("a section by code");
    let line = |name: &str| by_code.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}:\n{table}"));
    assert!(line("Demand").trim_end().ends_with("11/12"), "{table}");
    assert!(line("Opinion").trim_end().ends_with("0/0"), "{table}");

    let rows: Vec<Value> = serde_json::from_str(&ok(dir, &["class", "grade", "class", "--format", "json"])).unwrap();
    for student in ["exact", "eager", "opinionated"] {
        let all = row(&rows, student, "rally.txt", "all");
        assert!(close(&all["points"], 100.0) && all["missed"] == 0 && all["extra"] == 0, "{all}");
    }
    assert!(!rows.iter().any(|r| r["document"] == "rally.txt" && r["code"] == "opinion"), "no row for a code not asked for");
    let letter = row(&rows, "opinionated", "letter.md", "opinion");
    assert!(letter["extra"] == 1, "every code counts where none is asked for: {letter}");

    let csv = ok(dir, &["class", "grade", "class", "--format", "csv"]);
    assert!(csv.lines().any(|l| l == "exact,100.00,100.00,100.00,100.00,"), "{csv}");
    let canvas = ok(dir, &["class", "grade", "class", "--format", "canvas"]);
    assert!(canvas.lines().any(|l| l == "exact,,,exact,,100.00"), "{canvas}");

    ok(dir, &["class", "feedback", "class", "-o", "fb"]);
    for student in ["exact", "eager"] {
        let page = std::fs::read_to_string(dir.join(format!("fb/feedback-{student}.html"))).unwrap();
        let missed = feedback_list(&page, "rally.txt", "Missed");
        assert!(missed.starts_with("Missed (0)"), "{missed}");
        assert!(!page.contains("Our mayor is the best in the land</blockquote>"), "an opinion was not asked for:\n{page}");
        assert!(!page.contains("<mark class=\"key\">Our mayor"), "nor is it shown as a key passage");
        let added = feedback_list(&page, "rally.txt", "Added");
        assert!(added.starts_with("Added, not in the key (0)"), "{added}");
        assert!(page.contains("Codes asked for on this text: Prediction, Demand."), "{page}");
        assert!(page.contains("Grade: <strong>100 %</strong>"), "{page}");
    }
}

#[test]
fn a_key_passage_marked_with_another_code_is_a_wrong_code_not_found_nor_missed() {
    // Four passages right; a demand marked as a prediction (a code asked for) and a prediction
    // marked as an opinion (a code not asked for on the text). On the letter, the demand
    // marked as an opinion (every code counts there).
    let marks: Vec<(&str, &str)> = SIX
        .iter()
        .map(|&(quote, code)| match quote {
            "Everyone must register today" => (quote, "prediction"),
            "Trains will run hourly" => (quote, "opinion"),
            _ => (quote, code),
        })
        .collect();
    let letter = [("the library should open", "opinion"), ("Readers will come back", "prediction")];
    let root = class_with(&[Work { student: "mixed", rally: &marks, letter: &letter }]);
    let dir = root.path();
    ok(dir, &["class", "feedback", "class", "-o", "fb"]);
    let page = std::fs::read_to_string(dir.join("fb/feedback-mixed.html")).unwrap();
    let wrong = feedback_list(&page, "rally.txt", "Wrong code");
    assert!(wrong.starts_with("Wrong code (2)"), "{wrong}");
    assert!(wrong.contains("Wrong code: you chose Prediction, the key says Demand"), "{wrong}");
    assert!(wrong.contains("<blockquote>Everyone must register today</blockquote>"), "{wrong}");
    assert!(wrong.contains("Wrong code: you chose Opinion or value judgement, the key says Prediction"), "{wrong}");
    assert!(wrong.contains("<blockquote>Trains will run hourly</blockquote>"), "{wrong}");
    let found = feedback_list(&page, "rally.txt", "Found");
    assert!(found.starts_with("Found (4)"), "{found}");
    assert!(!found.contains("Everyone must register") && !found.contains("Trains will run"), "{found}");
    let missed = feedback_list(&page, "rally.txt", "Missed");
    assert!(missed.starts_with("Missed (0)"), "not plain misses:\n{missed}");
    let added = feedback_list(&page, "rally.txt", "Added");
    assert!(added.starts_with("Added, not in the key (0)"), "{added}");
    // Both the key's shading and the student's underline on a wrong-code passage.
    assert!(page.contains("<mark class=\"key\"><span class=\"mine\">Trains will run hourly</span></mark>"), "{page}");

    let wrong = feedback_list(&page, "letter.md", "Wrong code");
    assert!(wrong.starts_with("Wrong code (1)"), "{wrong}");
    assert!(wrong.contains("Wrong code: you chose Opinion or value judgement, the key says Demand"), "{wrong}");
    assert!(wrong.contains("You marked: the library should open"), "{wrong}");
    assert!(feedback_list(&page, "letter.md", "Missed").starts_with("Missed (0)"));

    // Not found, so it costs: on rally.txt the prediction and the demand each found 2 of 3,
    // with one prediction added: F1 = 2·4 / (2·4 + 2 + 1).
    let rows: Vec<Value> = serde_json::from_str(&ok(dir, &["class", "grade", "class", "--format", "json"])).unwrap();
    let all = row(&rows, "mixed", "rally.txt", "all");
    assert!(all["found"] == 4 && all["missed"] == 2 && all["extra"] == 1, "{all}");
    assert!(close(&all["points"], 800.0 / 11.0), "{all}");
}
