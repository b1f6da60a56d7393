"""Generate a synthetic knowledge base that is valid against the schema.

    python bench/synth.py DIR [--facts 10000] [--substances 200]
    python bench/synth.py DIR --attach ketamine psilocybin [--bytes 950000]

One file per substance, sources shared across files, every category used.
--attach writes instead one file per named (bundled) substance, each just
under --bytes, of efficacy and safety facts on one outcome in settings that
rarely match: the input that made `compare` align rows in quadratic time.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CATEGORIES = ["efficacy", "safety", "dissociation", "mechanism", "pharmacology", "dosing",
              "regulatory"]
OUTCOMES = {"efficacy": ["response", "remission", "depression-score-change"],
            "safety": ["adverse-event-incidence"], "dissociation": ["dissociation-score"],
            "mechanism": [None], "pharmacology": ["half-life", "bioavailability"],
            "dosing": ["clinical-dose"], "regulatory": [None]}
EVENTS = ["nausea", "headache", "dizziness", "dissociation", "anxiety", "vomiting"]
POPULATIONS = ["trd", "mdd", "healthy-volunteers", "rodents"]
TIMEPOINTS = ["40 min", "24 h", "1 wk", "3 wk", "6 wk"]
DESIGNS = ["meta-analysis", "rct", "open-label", "observational", "preclinical"]
NODES = ["nmda-receptor", "5ht2a-receptor", "glutamate-surge", "ampa-receptor", "bdnf",
         "mtorc1", "synaptogenesis", "network-change"]


def substance_id(index: int) -> str:
    return f"synth-{index:04d}"


def write(folder: Path, facts: int, substances: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sources = max(1, facts // 5)
    lines = ["sources:"]
    for k in range(sources):
        lines += [f"  src{k:05d}:", "    type: article", f"    authors: Author{k} A, et al.",
                  f"    title: Synthetic study number {k}", "    journal: Journal of Synthesis",
                  f"    year: {2000 + k % 25}", f"    doi: 10.9999/synth.{k}"]
    (folder / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    per = facts // substances
    for s in range(substances):
        sid = substance_id(s)
        out = ["substances:", f"  - id: {sid}", f"    name: Synth {s:04d}",
               f"    aliases: [synthamine {s}]",
               f"    family: {'ketamine' if s % 2 else 'psychedelic'}",
               "    class: Synthetic test substance", "    targets: [nmda-receptor]",
               "    routes: [oral]", "    status: Synthetic.", "facts:"]
        for f in range(per):
            category = CATEGORIES[f % len(CATEGORIES)]
            outcome = rng.choice(OUTCOMES[category])
            out += [f"  - id: {sid}.f{f:03d}", f"    substance: {sid}",
                    f"    category: {category}",
                    f"    claim: Synthetic finding {f} of {sid}, with 10% of something.",
                    f"    design: {rng.choice(DESIGNS)}",
                    f"    source: src{rng.randrange(sources):05d}",
                    "    locator: Table 1", "    checked: 2026-01-01",
                    "    read: {url: 'https://example.org/synth', kind: publisher}",
                    f"    population: {rng.choice(POPULATIONS)}",
                    f"    timepoint: {rng.choice(TIMEPOINTS)}", f"    n: {rng.randint(10, 400)}"]
            if category == "mechanism":
                out.append(f"    pathway: [{', '.join(rng.sample(NODES, 3))}]")
            elif outcome is not None:
                out.append(f"    outcome: {outcome}")
                estimate = rng.randint(1, 90)
                out.append(f"    value: {{estimate: {estimate}, unit: '%', "
                           f"ci: [{estimate - 1}, {estimate + 5}]}}")
                out.append(f"    comparator: {{name: placebo, kind: placebo, "
                           f"value: {rng.randint(0, 40)}}}")
                if category in ("efficacy", "safety", "dissociation"):
                    out += ["    contrast: per-arm", "    arm: 10 mg once"]
                if category == "efficacy":
                    out.append("    analysis: primary")
                if category == "safety":
                    out.append(f"    adverse_event: {rng.choice(EVENTS)}")
        (folder / f"{sid}.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


ATTACK_UNITS = ["min", "h", "d", "wk"]


def write_attached(folder: Path, substances: list[str], size: int = 950_000,
                   seed: int = 11) -> list[Path]:
    """One file per substance, each under size bytes, of facts attached to it."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, sid in enumerate(substances):
        key = f"attack{number}"
        out = ["sources:", f"  {key}:", "    type: article", "    authors: Stranger S",
               "    title: A study nobody curated", "    journal: Journal of Elsewhere",
               "    year: 2024", f"    doi: 10.9999/attack.{number}", "facts:"]
        total = sum(len(line) + 1 for line in out)
        for f in range(5000):  # the most entries one file may hold
            category = "efficacy" if f % 10 else "safety"
            entry = [f"  - id: {sid}.attack.f{f:04d}", f"    substance: {sid}",
                     f"    category: {category}", "    claim: An uncurated finding.",
                     f"    design: {rng.choice(DESIGNS)}", f"    source: {key}",
                     "    locator: Table 1", "    checked: 2026-01-01",
                     f"    population: {rng.choice(POPULATIONS)}",
                     f"    timepoint: {rng.randint(1, 900)} {rng.choice(ATTACK_UNITS)}"]
            if category == "safety":
                entry.append(f"    adverse_event: {rng.choice(EVENTS)}")
                entry.append("    outcome: adverse-event-incidence")
                entry.append(f"    value: {{estimate: {rng.randint(1, 90)}, unit: '%'}}")
            else:
                entry.append("    outcome: response")
                entry.append(f"    value: {{estimate: {rng.randint(1, 90)}, unit: '%'}}")
            grow = sum(len(line) + 1 for line in entry)
            if total + grow > size:
                break
            out += entry
            total += grow
        path = folder / f"{sid}-attached.yaml"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--facts", type=int, default=10000)
    parser.add_argument("--substances", type=int, default=200)
    parser.add_argument("--attach", nargs="+", metavar="SUBSTANCE",
                        help="write one file of facts attached to each bundled substance")
    parser.add_argument("--bytes", type=int, default=950_000)
    args = parser.parse_args()
    if args.attach:
        write_attached(args.folder, args.attach, args.bytes)
    else:
        write(args.folder, args.facts, args.substances)


if __name__ == "__main__":
    main()
