//! HTML import of pages as sites serve them (templates, declarative shadow DOM, scripts,
//! forms, tables, SVG), and of thousands of mutated copies of them: each gives its text or a
//! message, never a panic, and never takes long.
//!
//! `MARGINALIA_BIN=/path/to/marginalia` runs the mutated pages through another build of the
//! binary instead of the library.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var_os("MARGINALIA_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_marginalia")))
}

fn import_cli(page: &Path, into: &Path) -> std::process::Output {
    Command::new(bin()).arg("import").arg(page).arg("--into").arg(into).output().unwrap()
}

#[test]
fn a_page_with_a_template_is_imported_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("t.html");
    std::fs::write(&page, "<p>Hello <template>x</template> world</p>").unwrap();
    let out = import_cli(&page, &dir.path().join("out"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("out/t.html.txt")).unwrap(), "Hello world\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not carried: 1 <template> element(s) (not visible text)"), "{stdout}");
}

/// A card component rendered on the server with a declarative shadow root, as static-site
/// generators and web-component libraries write it, beside a plain template for a script.
const CARDS: &str = r#"<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Conseil</title>
<template id="row"><tr><td class="name"></td><td class="vote"></td></tr></template>
</head>
<body>
<main>
<h1>Compte rendu du conseil</h1>
<rent-card>
  <template shadowrootmode="open">
    <style>:host { display: block; border: 1px solid }</style>
    <h2><slot name="title">Sans titre</slot></h2>
    <p>Hausse votée : <b>3,5 %</b> en 2025.</p>
  </template>
  <span slot="title">Loyers</span>
</rent-card>
<template><p>Jamais affiché</p></template>
<p>Fin de séance à 22 h.</p>
</main>
</body>
</html>
"#;

#[test]
fn a_declarative_shadow_root_is_read_as_a_browser_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("cards.html");
    std::fs::write(&page, CARDS).unwrap();
    let out = import_cli(&page, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("cards.html.txt")).unwrap();
    assert!(text.contains("Hausse votée : 3,5 % en 2025."), "{text}");
    assert!(text.contains("Loyers"), "{text}");
    assert!(text.contains("Fin de séance à 22 h."), "{text}");
    assert!(!text.contains("Jamais affiché") && !text.contains(":host"), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 <template> element(s)"), "the template that is not shown: {stdout}");
}

/// A news article as a CMS serves it: head with scripts and JSON-LD, navigation, a header with
/// a search form, an article with figures, a table, a quote, a list, inline SVG and MathML, a
/// video, an iframe, a cookie banner in a template, comments, character references, a
/// declarative shadow root, a `pre`, CRLF line ends.
const ARTICLE: &str = "<!DOCTYPE html>\r\n<html lang=\"fr\" class=\"no-js\">\r\n<head>\r\n<meta charset=\"utf-8\">\r\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\r\n<title>Logement : le quartier Saint-Roch demande un moratoire | La Gazette</title>\r\n<link rel=\"stylesheet\" href=\"/assets/main.css?v=3\">\r\n<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Logement\"}</script>\r\n<script>document.documentElement.className='js';if(1<2&&3>2){}</script>\r\n<style>.hero{background:url(\"a.jpg\")} p>b{color:red}</style>\r\n</head>\r\n<body class=\"article\">\r\n<!-- header -->\r\n<header class=\"site\"><a class=\"logo\" href=\"/\"><svg viewBox=\"0 0 10 10\"><title>La Gazette</title><path d=\"M0 0h10v10z\"/></svg></a>\r\n<nav aria-label=\"Rubriques\"><ul><li><a href=\"/politique\">Politique</a><li><a href=\"/societe\">Société</a><li class=active><a href=\"/logement\">Logement</a></ul></nav>\r\n<form role=search action=\"/recherche\"><label>Rechercher <input name=q placeholder=\"Mots-clés…\"></label><select name=r><option>Tout<option>Logement</select><button>OK</button></form>\r\n</header>\r\n<main id=content>\r\n<article>\r\n<h1>Logement : le quartier Saint-Roch demande un moratoire</h1>\r\n<p class=byline>Par <a href=\"/auteurs/okafor\">Amara Okafor</a> &middot; <time datetime=\"2025-03-12\">12&nbsp;mars 2025</time></p>\r\n<figure><img src=\"/img/reunion.jpg\" alt=\"La salle comble\"><figcaption>La salle comble, mardi soir.</figcaption></figure>\r\n<p>« Les loyers ont augmenté de 18&#160;% en deux ans », affirme M<sup>me</sup> Okafor, porte-parole du collectif.<br>\r\nLa mairie, elle, dit n&rsquo;avoir « aucun levier ».</p>\r\n<blockquote cite=\"https://example.org\"><p>Nous demandons un moratoire sur les expulsions avant l&#x2019;hiver.</p></blockquote>\r\n<h2>Les chiffres</h2>\r\n<table><caption>Loyer médian (€/m²)</caption><thead><tr><th>Année<th>Loyer</thead><tbody><tr><td>2023<td>11,2<tr><td>2025<td>13,2</tbody></table>\r\n<p>Formule : <math><mi>r</mi><mo>=</mo><mfrac><mi>Δ</mi><mi>L</mi></mfrac></math> selon l'observatoire.</p>\r\n<ul><li>Réunion le 9 avril<li>Pétition : 1&nbsp;240 signatures<li>Recours envisagé</ul>\r\n<pre>  18 %   +2,0 €\r\n  sur 2 ans</pre>\r\n<video controls src=\"/v/reunion.mp4\"><track kind=captions src=\"/v/fr.vtt\">Votre navigateur ne lit pas la vidéo.</video>\r\n<iframe src=\"https://maps.example.org/embed?q=saint-roch\" title=\"Carte\"></iframe>\r\n<share-bar><template shadowrootmode=\"open\"><style>a{margin:0}</style><a href=\"#\">Partager</a> <slot></slot></template><span>sur les réseaux</span></share-bar>\r\n<noscript><p>Activez JavaScript pour les commentaires.</p></noscript>\r\n</article>\r\n<aside><h2>À lire aussi</h2><p><a href=\"/a\">Le plan vélo adopté</a></aside>\r\n</main>\r\n<template id=\"cookie-banner\"><div class=banner><p>Nous utilisons des cookies.</p><button>Accepter</button></div></template>\r\n<footer><p>&copy; 2025 La Gazette &mdash; <a href=\"/mentions\">Mentions légales</a></p></footer>\r\n<script src=\"/assets/app.js\" defer></script>\r\n</body>\r\n</html>\r\n";

/// A short page of the kind blogs and small sites write, with unclosed paragraphs.
const BLOG: &str = "<html><head><title>Notes</title></head><body><h1>Notes de lecture</h1><p>Premier paragraphe, <i>non fermé<p>Deuxième — avec une <a href=#n1>note</a><p><b>Gras <i>et italique</b> mal imbriqués</i><dl><dt>Terme<dd>Définition</dl><template><p>modèle</p></template><div><template shadowrootmode=closed><p>Ombre fermée</p></template></div></body></html>";

/// Fragments inserted into the pages: tags that change how the parser builds the tree.
const PIECES: [&str; 32] = [
    "<template>",
    "</template>",
    "<template shadowrootmode=\"open\">",
    "<template shadowroot=closed>",
    "<table>",
    "</table>",
    "<tr>",
    "<td>",
    "<select>",
    "<option>",
    "<form>",
    "</form>",
    "<b>",
    "</b>",
    "<i>",
    "<a href=x>",
    "</a>",
    "<p>",
    "</p>",
    "<svg>",
    "</svg>",
    "<math>",
    "<frameset>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<!DOCTYPE html>",
    "&amp;",
    "&#x1F3D8;",
    "<plaintext>",
];

struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// A position of `page` on a character boundary.
    fn at(&mut self, page: &str) -> usize {
        let mut at = self.below(page.len() + 1);
        while !page.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
    /// One to four mutations of `page`: a piece inserted, a range removed, duplicated or moved,
    /// a tag's `<` or `>` dropped, the page cut, bytes replaced by markup characters.
    fn mutate(&mut self, page: &str) -> String {
        let mut m = page.to_owned();
        for _ in 0..1 + self.below(4) {
            let at = self.at(&m);
            match self.below(8) {
                0 | 1 => m.insert_str(at, PIECES[self.below(PIECES.len())]),
                2 => {
                    let end = (at + self.below(200)).min(m.len());
                    let end = (end..=m.len()).find(|&e| m.is_char_boundary(e)).unwrap();
                    m.replace_range(at..end, "");
                }
                3 => {
                    let end = (at + self.below(400)).min(m.len());
                    let end = (end..=m.len()).find(|&e| m.is_char_boundary(e)).unwrap();
                    let copy = m[at..end].to_owned();
                    let to = self.at(&m);
                    m.insert_str(to, &copy.repeat(1 + self.below(3)));
                }
                4 => {
                    if let Some(lt) = m[at..].find(['<', '>']) {
                        m.remove(at + lt);
                    }
                }
                5 => m.truncate(at),
                6 => {
                    let piece = PIECES[self.below(PIECES.len())];
                    m.insert_str(at, &piece.repeat(2 + self.below(60)));
                }
                _ => {
                    let pool = ['<', '>', '/', '"', '\'', '=', '&', ';', '\0', '\r', '\u{FEFF}', 'é'];
                    let end = (at..=m.len()).skip(1).find(|&e| m.is_char_boundary(e)).unwrap_or(at);
                    m.replace_range(at..end, &pool[self.below(pool.len())].to_string());
                }
            }
        }
        m
    }
}

/// Imports `page` with the library (or the binary named by MARGINALIA_BIN): `Err` with what
/// went wrong when it panicked.
fn import_page(page: &Path, into: &Path) -> Result<(), String> {
    if std::env::var_os("MARGINALIA_BIN").is_some() {
        let out = import_cli(page, into);
        return match out.status.code() {
            Some(0 | 2) => Ok(()),
            code => Err(format!("exit {code:?}: {}", String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or(""))),
        };
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| marginalia::import::import(page, Some(into), "ana")));
    match result {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if !e.to_string().trim().is_empty() => Ok(()),
        Ok(Err(_)) => Err("an empty error message".to_owned()),
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned())),
    }
}

#[test]
fn mutated_real_pages_never_panic_or_hang() {
    let dir = tempfile::tempdir().unwrap();
    // Both pages as they are import.
    for (name, page) in [("article.html", ARTICLE), ("blog.html", BLOG)] {
        let path = dir.path().join(name);
        std::fs::write(&path, page).unwrap();
        let into = dir.path().join(format!("as-is-{name}"));
        assert_eq!(import_page(&path, &into), Ok(()), "{name}");
        let text = std::fs::read_to_string(into.join(format!("{name}.txt"))).unwrap();
        assert!(!text.trim().is_empty(), "{name}");
    }
    let text = std::fs::read_to_string(dir.path().join("as-is-article.html/article.html.txt")).unwrap();
    for shown in ["« Les loyers ont augmenté de 18\u{a0}% en deux ans »", "Partager sur les réseaux", "2025\t13,2", "  sur 2 ans"]
    {
        assert!(text.contains(shown), "{shown:?} in {text}");
    }
    for hidden in ["cookies", "NewsArticle", "Activez JavaScript", "className"] {
        assert!(!text.contains(hidden), "{hidden:?} in {text}");
    }

    let rounds = if std::env::var_os("MARGINALIA_BIN").is_some() { 300 } else { 1500 };
    let mut mutator = Mutator(0x853c_49e6_748f_ea9b);
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, 0);
    for round in 0..rounds {
        let page = mutator.mutate(if round % 3 == 2 { BLOG } else { ARTICLE });
        let path = dir.path().join(format!("m{round}.html"));
        std::fs::write(&path, &page).unwrap();
        let into = dir.path().join("into");
        let started = Instant::now();
        let result = import_page(&path, &into);
        let took = started.elapsed();
        slowest = slowest.max((took, round));
        match result {
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_dir_all(&into);
            }
            Err(why) => failures.push(format!("m{round}.html: {why}")),
        }
    }
    assert!(failures.is_empty(), "{} of {rounds} mutated pages failed:\n{}", failures.len(), failures.join("\n"));
    assert!(slowest.0 < Duration::from_secs(5), "m{}.html took {:?}", slowest.1, slowest.0);
}
