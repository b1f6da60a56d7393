"""Controlled vocabularies of the fact format (docs/fact-format.md)."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "efficacy",
    "safety",
    "dissociation",
    "mechanism",
    "pharmacology",
    "dosing",
    "regulatory",
)

FAMILIES: tuple[str, ...] = ("ketamine", "psychedelic")

# Study designs, strongest evidence first; the position is the rank.
DESIGNS: tuple[str, ...] = (
    "meta-analysis",
    "rct",
    "label",
    "regulatory",
    "open-label",
    "observational",
    "case-series",
    "review",
    "preclinical",
)

DESIGN_LABELS: dict[str, str] = {
    "meta-analysis": "meta-analysis",
    "rct": "RCT",
    "label": "label",
    "regulatory": "regulatory",
    "open-label": "open-label",
    "observational": "observational",
    "case-series": "case series",
    "review": "review",
    "preclinical": "preclinical",
}

# Labels and regulatory decisions summarise controlled trials but are not
# trials; --min-evidence rct keeps only the first two.
_RANK = {design: index for index, design in enumerate(DESIGNS)}


def design_rank(design: str) -> int:
    """Smaller is stronger evidence."""
    return _RANK[design]


GRADES: tuple[str, ...] = ("high", "moderate", "low", "very-low")

SEVERITIES: tuple[str, ...] = ("any", "serious", "severe")

SOURCE_TYPES: tuple[str, ...] = (
    "article",
    "review",
    "label",
    "regulatory",
    "book-chapter",
    "preprint",
    "web",
)

SOURCE_STATUSES: tuple[str, ...] = ("corrected", "expression-of-concern", "retracted")

ROUTES: tuple[str, ...] = (
    "intravenous",
    "intramuscular",
    "intranasal",
    "oral",
    "sublingual",
    "subcutaneous",
    "inhaled",
    "intraperitoneal",
)

POPULATIONS: dict[str, str] = {
    "trd": "treatment-resistant depression",
    "mdd": "major depressive disorder",
    "bipolar-depression": "bipolar depression",
    "depression-mixed": "unipolar and bipolar depression",
    "suicidal-ideation": "depression with suicidal ideation",
    "cancer-distress": "distress with life-threatening illness",
    "ptsd": "post-traumatic stress disorder",
    "anxiety": "anxiety disorders",
    "healthy-volunteers": "healthy volunteers",
    "people-who-use-drugs": "people who use the drug",
    "surgical-anaesthesia": "anaesthesia or surgery",
    "label-population": "label study population",
    "rodents": "rodents",
    "in-vitro": "in vitro",
}

POPULATION_SHORT: dict[str, str] = {
    "trd": "TRD",
    "mdd": "MDD",
    "bipolar-depression": "bipolar dep.",
    "depression-mixed": "uni+bipolar dep.",
    "suicidal-ideation": "MDD + SI",
    "cancer-distress": "cancer distress",
    "ptsd": "PTSD",
    "anxiety": "anxiety",
    "healthy-volunteers": "healthy",
    "people-who-use-drugs": "users",
    "surgical-anaesthesia": "anaesthesia",
    "label-population": "label pop.",
    "rodents": "rodents",
    "in-vitro": "in vitro",
}

NONCLINICAL_POPULATIONS = frozenset({"rodents", "in-vitro"})

# Adverse-event slugs that total several events ("any adverse event") or count
# a consequence of harm (medical attention, a psychiatric medication needed)
# rather than one event: facts like any other, but never among the "largest
# excess harms" of the summary, which names single events.
AGGREGATE_EVENTS = frozenset({
    "any-adverse-event", "treatment-related-adverse-event", "teae-of-special-interest",
    "solicited-adverse-event", "serious-or-severe-common-adverse-drug-reaction",
    "most-common-adverse-events", "transient-acute-untoward-effects",
    "needed-medical-attention", "acute-physical-adverse-effects",
    "adverse-event-requiring-psychiatric-attention", "delayed-adverse-mental-health-effects",
    "psychiatric-concomitant-medication",
})

UNITS: tuple[str, ...] = (
    "%",
    "% change",
    "points",
    "OR",
    "RR",
    "HR",
    "SMD",
    "Hedges g",
    "Cohen d",
    "NNT",
    "mg",
    "mg/kg",
    "µg",
    "µg/kg",
    "mg/70 kg",
    "mmHg",
    "min",
    "h",
    "d",
    "wk",
    "mo",
    "y",
    "ng/mL",
    "mL/min/kg",
    "L/h",
    "nM",
    "µM",
    "fold",
    "count",
    "sessions",
    "doses",
    "percentage points",
)

RATIO_UNITS = frozenset({"OR", "RR", "HR", "fold"})
EFFECT_SIZE_UNITS = frozenset({"SMD", "Hedges g", "Cohen d"})  # each names itself

# --- what kind of number a number is (docs/fact-format.md, "Reading a number") ----------

# Which analysis of its study a number comes from; "primary" is the study's
# pre-specified primary analysis (for a meta-analysis: its main pooled result).
ANALYSES: dict[str, str] = {
    "primary": "primary",
    "key-secondary": "key secondary",
    "secondary": "secondary",
    "post-hoc": "post hoc",
    "subgroup": "subgroup",
    "pooled": "pooled trials",
    "exploratory": "exploratory",
}

# A between-arms contrast (difference, ratio, standardized effect: drug minus
# comparator) or a per-arm result (each arm's own number).
CONTRASTS: tuple[str, ...] = ("between-arms", "per-arm")

HYPOTHESES: tuple[str, ...] = ("superiority", "noninferiority")

COMPARATOR_KINDS: dict[str, str] = {
    "placebo": "placebo",
    "active-placebo": "active placebo",
    "active": "active treatment",
    "low-dose": "low-dose control",
    "waiting-list": "waiting list",
    "usual-care": "usual care",
    "mixed": "controlled and uncontrolled data pooled",
    "none": "no comparator",
}

DIRECTIONS: tuple[str, ...] = ("lower", "higher")

# Which way of an outcome's value is good for the patient, under evsum's sign
# convention (score changes and effect sizes on depression scales are drug minus
# comparator as the scale moves, so a fall, a negative number, is a benefit).
OUTCOME_BETTER: dict[str, str] = {
    "response": "higher",
    "remission": "higher",
    "sustained-response": "higher",
    "depression-score-change": "lower",
    "anxiety-score-change": "lower",
    "effect-size": "lower",
    "suicidal-ideation": "lower",
    "relapse": "lower",
    "time-to-relapse": "higher",
    "adverse-event-incidence": "lower",
    "serious-adverse-events": "lower",
    "discontinuation-due-to-ae": "lower",
    "blood-pressure": "lower",
    "suicidality-events": "lower",
    "deaths": "lower",
    "dissociation-score": "lower",
}

# The kind of page a number was read on (../CURATION.md, provenance).
READ_KINDS: dict[str, str] = {
    "publisher": "primary",
    "pmc": "primary",
    "pubmed": "primary",
    "label": "primary",
    "regulator": "primary",
    "sec-filing": "primary",
    "pubmed-mirror": "faithful copy",
    "repository": "faithful copy",
    "manuscript": "faithful copy",
    "poster": "faithful copy",
    "label-reprint": "faithful copy",
    "medical-information": "faithful copy",
}

# Pathway nodes: id -> (label, kind). Order is the order of display, from
# receptor to network.
PATHWAY_NODES: dict[str, tuple[str, str]] = {
    "nmda-receptor": ("NMDA receptor", "target"),
    "5ht2a-receptor": ("5-HT2A receptor", "target"),
    "5ht1a-receptor": ("5-HT1A receptor", "target"),
    "sigma-1-receptor": ("sigma-1 receptor", "target"),
    "opioid-receptor": ("opioid receptors", "target"),
    "mao-a": ("MAO-A (inhibition)", "target"),
    "trkb": ("TrkB", "target"),
    "gaba-interneuron-disinhibition": ("GABA interneuron disinhibition", "downstream"),
    "glutamate-surge": ("glutamate surge", "downstream"),
    "ampa-receptor": ("AMPA receptor throughput", "downstream"),
    "eef2": ("eEF2 (dephosphorylation)", "downstream"),
    "bdnf": ("BDNF", "downstream"),
    "mtorc1": ("mTORC1", "downstream"),
    "synaptogenesis": ("synaptogenesis / spines", "downstream"),
    "lateral-habenula": ("lateral habenula bursting", "downstream"),
    "network-change": ("network-level change", "downstream"),
}

# Outcome keys that fill the profile at the top of a comparison.
PROFILE_OUTCOMES: dict[str, str] = {
    "clinical-dose": "clinical dose",
    "onset": "onset of effect",
    "duration-of-effect": "duration of effect",
    "half-life": "half-life",
}

TIME_UNITS_HOURS: dict[str, float] = {
    "min": 1 / 60,
    "h": 1.0,
    "d": 24.0,
    "wk": 24.0 * 7,
    "mo": 24.0 * 30.4375,
    "y": 24.0 * 365.25,
}

# Harm outcomes whose key says what a rate counts: a bare "6.9%" under them is plain.
COUNTED_HARMS = frozenset({"serious-adverse-events", "discontinuation-due-to-ae"})

# The critical outcomes of the summary of findings, in display order:
# (row key, label, categories (space-separated), outcome keys whose facts fill the
# row). "top-harms" is filled with the adverse events of largest excess over the
# comparator.
SUMMARY_OUTCOMES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("response", "response", "efficacy", ("response",)),
    ("remission", "remission", "efficacy", ("remission",)),
    ("depression-score", "depression score", "efficacy",
     ("depression-score-change", "effect-size")),
    ("durability", "relapse / durability", "efficacy",
     ("relapse", "time-to-relapse", "sustained-response")),
    ("suicidal-ideation", "suicidal ideation", "efficacy", ("suicidal-ideation",)),
    ("onset", "onset", "efficacy pharmacology", ("onset",)),
    ("duration-of-effect", "how long it lasts", "efficacy pharmacology",
     ("duration-of-effect",)),
    ("dissociation", "dissociation / acute effects", "dissociation",
     ("dissociation-score", "dissociation-peak", "dissociation-resolution",
      "acute-subjective-effects", "adverse-event-incidence")),
    ("serious-adverse-events", "serious adverse events", "safety",
     ("serious-adverse-events",)),
    ("discontinuation", "stopped for adverse events", "safety",
     ("discontinuation-due-to-ae",)),
    ("top-harms", "largest excess harms", "safety", ("adverse-event-incidence",)),
    ("blood-pressure", "blood pressure", "safety", ("blood-pressure",)),
    ("abuse-liability", "abuse liability", "safety", ("abuse-liability",)),
)
