#!/bin/sh
# Regenerates this example class with the real command line: the assignment package, the
# answer key's sidecars, four students' work (two hand-ins collected into class/, two
# waiting in handins/ to be dropped onto the app), all made as a class would make them.
#
#   sample-data/class-week1/make-class.sh
#   MARGINALIA=/path/to/marginalia sample-data/class-week1/make-class.sh
#
# The texts, codebook.ron and instructions.md in class/ are written by hand; the rest is
# made here. Annotation ids and hand-in times are new on each run.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [ -z "${MARGINALIA:-}" ]; then
    cargo build --quiet --no-default-features --manifest-path ../../Cargo.toml
    target=$(cargo metadata --format-version 1 --no-deps --manifest-path ../../Cargo.toml |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    MARGINALIA="$target/debug/marginalia"
fi

rm -f class/*.annotations.ron handins/*.marginalia-handin week1.marginalia-assignment
mkdir -p handins
# The class manifest: a fixed assignment id, the title, the due date and the codes asked.
cat > class/class.ron <<'RON'
(
    format: "marginalia-class",
    version: 1,
    assignment: "5b0e7f6a-3c1d-4e8b-9a2f-7d4c1e6b8a90",
    title: "Week 1: How do texts try to convince us?",
    due: Some("2026-12-11"),
    key: None,
    codes: {
        "bike-lanes.txt": ["claim", "evidence", "emotion"],
    },
    collected: {},
)
RON

"$MARGINALIA" class pack class -o week1.marginalia-assignment > /dev/null
"$MARGINALIA" class key class --coder teacher > /dev/null

BIKE=bike-lanes.txt
LUNCH=school-lunch.md

# mark FOLDER CODER DOC CODE QUOTE [NOTE]
mark() {
    if [ -n "${6:-}" ]; then note="$6"; else note=""; fi
    "$MARGINALIA" add "$1/$3" --sidecar "$1/$3.$2.annotations.ron" --coder "$2" \
        --code "$4" --quote "$5" --note "$note" > /dev/null
}

# The answer key.
mark class teacher $BIKE claim "I think this is the best idea the council has had in years." "The writer's opinion, said as if everyone agreed."
mark class teacher $BIKE evidence "Last spring the school counted 212 pupils who cycle to class" "A number you could check with the school."
mark class teacher $BIKE evidence "40 of them said they had nearly been hit on Mill Street" "A survey answer: checkable, but only as what pupils said."
mark class teacher $BIKE evidence "A painted lane costs less than one new parking sign per metre." "A price comparison: ask the council for the figures."
mark class teacher $BIKE emotion "Imagine your own child squeezed between a bus and a parked van." "Makes the reader afraid instead of giving a reason."
mark class teacher $BIKE emotion "No parent should have to wave goodbye in the morning and worry until the afternoon." "Pity and worry."
mark class teacher $BIKE call-to-action "The council must vote yes on the 14th" "Tells the council what to do."
mark class teacher $LUNCH evidence "a cooked lunch will cost 3.20, ten cents more than today" "A price: checkable."
mark class teacher $LUNCH evidence "81 of 100 pupils asked said they liked the new meals better" "A small survey."
mark class teacher $LUNCH claim "a warm meal is worth more than a cold sandwich on a grey January day" "An opinion, with a picture that pulls at feelings."
mark class teacher $LUNCH call-to-action "Pupils who want a say on the menu can join the food council on Thursdays." "An invitation."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# student NAME: unpacks the assignment as a student's app does, into a folder of their own.
student() {
    "$MARGINALIA" class unpack week1.marginalia-assignment "$work/$1" > /dev/null
}

handin() {
    "$MARGINALIA" class handin "$work/$1" --coder "$1" -o "handins/week1-$1.marginalia-handin" > /dev/null
}

# Ana: careful, close to the key.
student ana
mark "$work/ana" ana $BIKE claim "I think this is the best idea the council has had in years."
mark "$work/ana" ana $BIKE evidence "Last spring the school counted 212 pupils who cycle to class"
mark "$work/ana" ana $BIKE evidence "A painted lane costs less than one new parking sign per metre."
mark "$work/ana" ana $BIKE emotion "Imagine your own child squeezed between a bus and a parked van."
mark "$work/ana" ana $BIKE emotion "No parent should have to wave goodbye in the morning and worry until the afternoon."
mark "$work/ana" ana $LUNCH evidence "81 of 100 pupils asked said they liked the new meals better"
mark "$work/ana" ana $LUNCH call-to-action "Pupils who want a say on the menu can join the food council on Thursdays."
handin ana

# Ben: finds the feelings, takes the numbers for claims.
student ben
mark "$work/ben" ben $BIKE claim "I think this is the best idea the council has had in years."
mark "$work/ben" ben $BIKE claim "Last spring the school counted 212 pupils who cycle to class" "Not sure if this is a claim or evidence"
mark "$work/ben" ben $BIKE emotion "Imagine your own child squeezed between a bus and a parked van."
mark "$work/ben" ben $LUNCH claim "a warm meal is worth more than a cold sandwich on a grey January day"
handin ben

# Cleo: marks almost everything, some of it twice.
student cleo
mark "$work/cleo" cleo $BIKE claim "The town plans to paint two new bike lanes on Mill Street this summer."
mark "$work/cleo" cleo $BIKE claim "I think this is the best idea the council has had in years."
mark "$work/cleo" cleo $BIKE evidence "40 of them said they had nearly been hit on Mill Street"
mark "$work/cleo" cleo $BIKE emotion "Imagine your own child squeezed between a bus and a parked van."
mark "$work/cleo" cleo $BIKE emotion "Rosa Feld, Brenholt" "The name makes it feel personal"
mark "$work/cleo" cleo $BIKE call-to-action "The council must vote yes on the 14th"
mark "$work/cleo" cleo $LUNCH claim "From next term the canteen will cook its lunches on site"
mark "$work/cleo" cleo $LUNCH emotion "a cold sandwich on a grey January day"
handin cleo

# Dev: one mark, then stopped.
student dev
mark "$work/dev" dev $BIKE call-to-action "every cyclist in town should come to the meeting"
handin dev

# Ana's and Ben's hand-ins are collected; Cleo's and Dev's wait to be dropped onto the app.
"$MARGINALIA" class collect class handins/week1-ana.marginalia-handin handins/week1-ben.marginalia-handin > /dev/null
rm handins/week1-ana.marginalia-handin handins/week1-ben.marginalia-handin

# `marginalia add` keeps the previous sidecar as a backup; the example needs none.
rm -f class/*.bak
