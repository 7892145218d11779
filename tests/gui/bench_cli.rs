//! `marginalia bench --json` runs the real app headless and reports every figure. The hidden
//! `--tiny` flag keeps documents and frame counts tiny so this checks the command, not speed.

#![cfg(feature = "gui")]

use std::process::Command;

fn bench(args: &[&str]) -> (serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia")).arg("bench").args(args).output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "bench failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("one JSON object on stdout ({e}): {stdout}"));
    (json, stderr)
}

fn number(v: &serde_json::Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{what} is a number, got {v}"))
}

#[test]
fn quick_json_has_every_figure_for_the_smallest_and_largest_case() {
    let (json, stderr) = bench(&["--quick", "--json", "--tiny"]);
    assert_eq!(json["mode"], "tiny-quick");
    let cases = json["cases"].as_array().expect("a list of cases");
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["small", "large"]);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        assert!(case["label"].as_str().unwrap().contains(" / "), "{name} has a label like \"10 MB / 100,000\"");
        assert!(number(&case["annotations"], "annotations") > 0.0);
        assert!(number(&case["paragraphs"], "paragraphs") > 1.0);
        for scenario in ["top", "middle", "end", "scrolling", "after_add"] {
            let f = &case["frame"][scenario];
            assert_eq!(f["frames"], 3, "{name} {scenario} ran three frames");
            for key in ["median_ms", "p95_ms", "max_ms", "layout_median_ms", "tessellate_median_ms"] {
                assert!(number(&f[key], key) >= 0.0, "{name} {scenario} {key}");
            }
            assert!(number(&f["median_ms"], "median") <= number(&f["p95_ms"], "p95"));
        }
        for key in ["open_ms", "open_document_ms", "save_snapshot_ms", "save_write_ms", "save_ms", "open_after_edit_ms"] {
            assert!(number(&case["timings"][key], key) >= 0.0, "{name} {key}");
        }
        assert!(number(&case["add_apply_median_ms"], "apply") >= 0.0);
        if cfg!(target_os = "linux") {
            assert!(number(&case["peak_rss_mb"], "peak memory") > 1.0, "{name} peak memory is measured");
        }
    }
    assert!(cases[1]["timings"]["export_qdpx_ms"].is_number(), "exports are measured on the largest case");
    assert!(cases[0]["timings"].get("export_qdpx_ms").is_none(), "and only there");
    let targets = json["targets"].as_array().expect("targets");
    for wanted in ["large open", "large save", "large / small frame median ratio", "small top frame median"] {
        assert!(targets.iter().any(|t| t["name"] == wanted), "target {wanted}");
    }
    assert!(json["all_targets_met"].is_boolean());
    // The class dashboard: the generated class graded in the app, timed to the grades shown.
    let class = &json["class"];
    assert_eq!(class["students"], 35);
    assert_eq!(class["texts"], 5);
    assert!(number(&class["annotations"], "class annotations") > 35.0 * 5.0);
    assert!(number(&class["ready_ms"], "ready") > 0.0);
    assert!(number(&class["frames"], "frames") >= 1.0, "frames are drawn while the class is graded");
    assert!(targets.iter().any(|t| t["name"].as_str().is_some_and(|n| n.starts_with("class dashboard ready"))));
    // Every import shape is read or refused with a message, and timed.
    let imports = json["imports"].as_array().expect("imports");
    assert_eq!(imports.len(), 11);
    for i in imports {
        let outcome = i["outcome"].as_str().unwrap();
        assert!(number(&i["ms"], "ms") >= 0.0 && number(&i["bytes"], "bytes") >= 90_000.0);
        let name = i["name"].as_str().unwrap();
        let refused = ["html nested div", "html nested pre", "html nested ul li", "html formatting made again", "docx nested"];
        assert_eq!(outcome.starts_with("refused: "), refused.contains(&name), "{name}: {outcome}");
        assert!(targets.iter().any(|t| t["name"] == format!("import {name}")), "target for {name}");
    }
    assert!(stderr.contains("[1/"), "progress goes to stderr: {stderr}");
    assert!(stderr.contains("scrolling"), "progress names the steps: {stderr}");
}

#[test]
fn the_table_names_every_case() {
    let out = Command::new(env!("CARGO_BIN_EXE_marginalia")).args(["bench", "--tiny"]).output().expect("the binary runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for label in ["4 KB / 10", "20 KB / 100", "60 KB / 600", "Targets", "after_add"] {
        assert!(text.contains(label), "the table shows {label}: {text}");
    }
}

#[test]
fn the_links_case_reports_frames_with_links_drawn() {
    let (json, _) = bench(&["--links", "--json", "--tiny"]);
    assert_eq!(json["mode"], "tiny-links");
    let links = &json["links_case"];
    assert_eq!(links["label"], "100 links on 60 KB");
    assert_eq!(links["links"], 100);
    for scenario in ["top", "middle", "middle_selected", "scrolling", "after_add"] {
        let f = &links["frame"][scenario];
        assert_eq!(f["frames"], 3, "{scenario} ran three frames");
        assert!(number(&f["median_ms"], "median") <= number(&f["p95_ms"], "p95"));
    }
    // With a linked annotation selected, its link is on screen: drawn as a curve or a stub.
    let drawn = &links["drawn_middle_selected"];
    assert!(number(&drawn["curves"], "curves") + number(&drawn["stubs"], "stubs") >= 1.0);
    let targets = json["targets"].as_array().expect("targets");
    assert!(targets.iter().any(|t| t["name"] == "links middle_selected frame median"));
}
