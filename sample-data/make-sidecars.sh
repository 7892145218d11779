#!/bin/sh
# Regenerates the example sidecars in this folder with the real command line.
#
#   sample-data/make-sidecars.sh             # builds and runs marginalia with cargo
#   MARGINALIA=/path/to/marginalia sample-data/make-sidecars.sh
#
# Every annotation is added with `marginalia add` and every link with `marginalia add-link`,
# so the files are exactly what the tool writes. Ids and times are new on each run; positions, quotes, codes and notes are the same.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [ -z "${MARGINALIA:-}" ]; then
    cargo build --quiet --no-default-features --manifest-path ../Cargo.toml
    target=$(cargo metadata --format-version 1 --no-deps --manifest-path ../Cargo.toml |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    MARGINALIA="$target/debug/marginalia"
fi

add() {
    "$MARGINALIA" add "$@" > /dev/null
}

# Adds an annotation and prints its id (for links).
add_id() {
    "$MARGINALIA" add "$@" | cut -f1
}

link() {
    "$MARGINALIA" add-link "$@" > /dev/null
}

rm -f ./*.annotations.ron ./*.annotations.ron.bak

# --- speech.txt: coder "amara" (the default sidecar) ---------------------------------------
d=speech.txt
c=amara
source=$(add_id "$d" --coder "$c" --code attribution \
    --quote "She told me this morning: “Rents on our street went up forty percent in three years.”" \
    --note "Named source (Señora Ibáñez), reported speech; the figure itself is unchecked.")
figure=$(add_id "$d" --coder "$c" --code "factual assertion" \
    --quote "Rents on our street went up forty percent in three years." \
    --note "Overlaps the attribution: the quoted figure is a checkable claim of its own.")
add "$d" --coder "$c" --code rhetorical-question --quote "Who among us can absorb that and still open the shutters at six?"
sorted=$(add_id "$d" --coder "$c" --code opinion --quote "it has sorted us out of our own town")
publish=$(add_id "$d" --coder "$c" --code demand \
    --quote "The council must publish, every quarter, who owns the empty buildings on the harbour front and how long they have stood empty." \
    --note "Addressed to the council.")
add "$d" --coder "$c" --code demand \
    --quote "the regional housing office should return the €12 million it promised us in 2019 and never paid"
add "$d" --coder "$c" --code opinion --quote "I think it is reckless to do nothing"
add "$d" --coder "$c" --code prediction \
    --quote "by 2030 there will be no one left on Quay Street who was born there" \
    --note "Deadline-style prediction; the following sentence extends it."
add "$d" --coder "$c" --code "CALL TO ACTION" --quote "Register to vote before the 14th of March."
add "$d" --coder "$c" --code call-to-action --quote "bring a friend to the hall next Tuesday. 👨‍👩‍👧‍👦" \
    --note "Includes the family emoji (one grapheme, seven code points)."
add "$d" --coder "$c" --code rhetorical-question --quote "Isn’t it time Valmora belonged to the people who live in it?"
link "$d" --coder "$c" --from "$source" --to "$figure" --type "source of"
link "$d" --coder "$c" --from "$figure" --to "$sorted" --type "evidence for" \
    --note "The rent rise is the speaker's ground for saying the town sorts people out."
link "$d" --coder "$c" --from "$sorted" --to "$publish" --type supports
# --- speech.txt: a second coder "bruno", who partly agrees -----------------------------------
s=speech.txt.bruno.annotations.ron
c=bruno
add "$d" --sidecar "$s" --coder "$c" --code factual-assertion \
    --quote "Rents on our street went up forty percent in three years."
add "$d" --sidecar "$s" --coder "$c" --code rhetorical-question \
    --quote "Who among us can absorb that and still open the shutters at six?"
add "$d" --sidecar "$s" --coder "$c" --code opinion --quote "I say the market has had its chance" \
    --note "Longer than amara's span; starts earlier."
add "$d" --sidecar "$s" --coder "$c" --code prediction \
    --quote "I will freeze rents on every council-owned shop and flat" \
    --note "A campaign promise read as a prediction (amara did not code it)."
add "$d" --sidecar "$s" --coder "$c" --code demand \
    --quote "The council must publish, every quarter, who owns the empty buildings on the harbour front"
add "$d" --sidecar "$s" --coder "$c" --code factual-assertion \
    --quote "the regional housing office should return the €12 million it promised us in 2019 and never paid" \
    --note "Coded as a checkable claim about 2019; amara coded it as a demand."
add "$d" --sidecar "$s" --coder "$c" --code prediction \
    --quote "by 2030 there will be no one left on Quay Street who was born there"
add "$d" --sidecar "$s" --coder "$c" --code call-to-action \
    --quote "Knock on one door this week — just one — and bring a friend to the hall next Tuesday."

# --- press-release.txt (CRLF line endings) ---------------------------------------------------
d=press-release.txt
c=amara
add "$d" --coder "$c" --code factual-assertion \
    --quote "The routes — N1, N4 and N7 — will depart every thirty minutes between 23:30 and 05:00"
add "$d" --coder "$c" --code attribution --quote "said Chloé Marchetti-Lindqvist, the cooperative’s chair" \
    --note "Named source; the quote spans two sentences around this line."
add "$d" --coder "$c" --code opinion --quote "Shift workers have waited far too long for a safe way home"
add "$d" --coder "$c" --code attribution --quote "According to the cooperative’s own survey of 1,812 riders"
add "$d" --coder "$c" --code factual-assertion \
    --quote "62 % of night-shift workers in Østerby currently travel home by car or taxi" \
    --note "The survey is the cooperative's own; ask for the method."
add "$d" --coder "$c" --code prediction \
    --quote "ridership on the new routes to reach 2,000 trips a week by the end of the summer"
add "$d" --coder "$c" --code demand \
    --quote "calls on the regional government to fund the remaining €500,000 before the budget vote in March"
add "$d" --coder "$c" --code call-to-action --quote "Download the timetable, tell your night-shift neighbours, and ride with us 🚌✨"
add "$d" --coder "$c" --code rhetorical-question \
    --quote "Is there any better way to measure a city than by how it treats the people who keep it running at 3 a.m.?"

# --- open-letter.md --------------------------------------------------------------------------
d=open-letter.md
c=amara
add "$d" --coder "$c" --code factual-assertion --quote "1,340 visits on Sundays alone"
add "$d" --coder "$c" --code attribution --quote "Mrs Ólafsdóttir, who has volunteered at the children’s corner for eleven years, tells us"
add "$d" --coder "$c" --code opinion --quote "this decision is short-sighted and unfair" \
    --note "The next sentence repeats the judgement as a maxim."
add "$d" --coder "$c" --code demand --quote "Reverse the Sunday closure before it takes effect on 1 November."
add "$d" --coder "$c" --code demand --quote "Publish the “efficiency review” that the decision was based on, in full."
add "$d" --coder "$c" --code demand --quote "Hold a public meeting in the branch itself — not at the town hall —"
add "$d" --coder "$c" --code factual-assertion --quote "estimates savings of €38,000 a year"
add "$d" --coder "$c" --code prediction \
    --quote "we fear the branch will follow the path of the Nørrebro reading room"
add "$d" --coder "$c" --code call-to-action --quote "sign our petition at the front desk" --note "Flag emoji follows later in the sentence."
add "$d" --coder "$c" --code call-to-action --quote "Bring your library card 🇮🇸 — and bring a neighbour."
add "$d" --coder "$c" --code rhetorical-question \
    --quote "How much is a quiet, warm room full of books worth to a town on a Sunday afternoon?"

# --- news-story.txt --------------------------------------------------------------------------
d=news-story.txt
c=amara
add "$d" --coder "$c" --code factual-assertion --quote "three weeks later than planned"
add "$d" --coder "$c" --code attribution --quote "according to figures released by the county council" \
    --note "Official source for the overspend figure."
add "$d" --coder "$c" --code factual-assertion --quote "about €2 million over its original budget of €11.5 million"
add "$d" --coder "$c" --code attribution \
    --quote "County engineer Dr Renée Fairbanks-Oyelaran said the delay was caused by corrosion in two of the original 1964 piers"
add "$d" --coder "$c" --code prediction --quote "would carry traffic safely “for at least another sixty years.”"
add "$d" --coder "$c" --code opinion \
    --quote "“a scandal that the people of Eldmoor will be paying for long after the ribbon is cut.”"
add "$d" --coder "$c" --code demand \
    --quote "the council must publish the full contract with the builder, Varga & Søn, before its next meeting" \
    --note "Demand reported, not made, by the paper."
add "$d" --coder "$c" --code factual-assertion \
    --quote "about 14,000 vehicles crossed the bridge in its first twenty-four hours"
add "$d" --coder "$c" --code rhetorical-question --quote "Will it be enough to undo a year of lost trade?"

rm -f ./*.annotations.ron.bak
echo "sidecars written in $here"
