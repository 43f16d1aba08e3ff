"""Markdown rendering of the tagging evaluation report."""

from __future__ import annotations

LANGUAGES = ("en", "es", "pt", "id", "ko", "ja")


def _language_table(configs: dict[str, dict]) -> list[str]:
    lines = [
        "| language | configuration | crisis recall | false help lines (no-health texts) | no-health texts with any "
        "topic | suicide_self_harm P / R |",
        "|---|---|---|---|---|---|",
    ]
    for language in LANGUAGES:
        for name, data in configs.items():
            v = data["by_language"].get(language)
            if v is None:
                continue
            s = v["suicide_self_harm"]
            lines.append(
                f"| {language} | {name} | {v['crisis_help_line']}/{v['crisis_n']} ({v['crisis_recall']:.2f}) "
                f"| {v['false_help_lines']}/{v['non_health_n']} ({v['false_help_line_rate']:.1%}) "
                f"| {v['non_health_any_topic']}/{v['non_health_n']} ({v['non_health_any_topic_rate']:.1%}) "
                f"| {s['precision']:.2f} / {s['recall']:.2f} |"
            )
    return lines + [""]


def _topic_table(configs: dict[str, dict]) -> list[str]:
    names = list(configs)
    lines = ["| topic | support | " + " | ".join(f"{n} P / R / F1" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    first = next(iter(configs.values()))
    for i, row in enumerate(first["per_topic"]):
        cells = []
        for data in configs.values():
            r = data["per_topic"][i]
            cells.append(f"{r['precision']:.2f} / {r['recall']:.2f} / {r['f1']:.2f}")
        lines.append(f"| {row['topic']} | {row['support']} | " + " | ".join(cells) + " |")
    lines.append("| **macro-F1** | | " + " | ".join(f"**{d['macro_f1']:.3f}**" for d in configs.values()) + " |")
    return lines + [""]


def _listed(title: str, rows: list[dict], limit: int = 60) -> list[str]:
    lines = [f"#### {title} ({len(rows)})", ""]
    for r in rows[:limit]:
        text = r["text"].replace("\n", " ").replace("|", "/")[:220]
        predicted = ", ".join(f"{t} {s:.2f}" for t, s in r["predicted"].items()) or "-"
        lines.append(f"- [{r['lang']}] {text} — gold: {', '.join(r['gold']) or 'none'}; predicted: {predicted}; "
                     f"risk {r['risk']}")
    if len(rows) > limit:
        lines.append(f"- ... {len(rows) - limit} more in tagging_eval.json")
    return lines + [""]


def _sib_table(sib: dict[str, dict]) -> list[str]:
    lines = ["| language | configuration | macro-F1 | health sentences given a gold topic | non-health tagged "
             "| same topics as English |", "|---|---|---|---|---|---|"]
    languages = list(next(iter(sib.values())))
    for language in languages:
        for name, data in sib.items():
            v = data[language]
            lines.append(f"| {language} | {name} | {v['macro_f1']:.3f} | {v['health_sentence_recall']:.2f} "
                         f"| {v['non_health_any_topic_rate']:.1%} | {v['same_topics_as_english']:.2f} |")
    return lines + [""]


def _weak_table(weak: dict[str, dict]) -> list[str]:
    lines = ["| language | configuration | 'suicidal' given the crisis line | 'not_suicidal' given it |",
             "|---|---|---|---|"]
    for language in next(iter(weak.values())):
        for name, data in weak.items():
            v = data[language]
            lines.append(f"| {language} | {name} | {v['suicidal_given_crisis_line']}/{v['suicidal_n']} "
                         f"({v['recall_vs_source_label']:.2f}) | {v['not_suicidal_given_crisis_line']}/"
                         f"{v['not_suicidal_n']} ({v['rate_on_not_suicidal']:.2f}) |")
    return lines + [""]


def _one_medium_table(shares: dict[str, dict]) -> list[str]:
    if not shares:
        return []
    lines = ["Keyword risk on the weak tweets: tweets whose only crisis evidence is one medium first-person term "
             "(the taxonomy's `current_on_one_medium` lists the languages where at least 85 % of them are "
             "'suicidal'):", "", "| language | 'suicidal' | 'not_suicidal' | share 'suicidal' |", "|---|---|---|---|"]
    for language, v in shares.items():
        n = v["suicidal"] + v["not_suicidal"]
        lines.append(f"| {language} | {v['suicidal']} | {v['not_suicidal']} | {v['suicidal'] / n:.0%} |")
    return lines + [""]


def _reliability(table: dict[str, dict]) -> list[str]:
    lines = ["| head | positives | Brier | bins: range n mean-p → observed |", "|---|---|---|---|"]
    for head, v in table.items():
        bins = "; ".join(f"{b['bin']} n={b['n']} {b['mean_p']:.2f}→{b['observed']:.2f}" for b in v["bins"])
        lines.append(f"| {head} | {v['positives']} | {v['brier']:.3f} | {bins} |")
    return lines + [""]


def _reddit(reddit: dict[str, dict]) -> list[str]:
    lines = ["| configuration | n | macro-F1 (single label) | suicide P / R | non-health controls tagged "
             "| crisis line: r/SuicideWatch / other health / non-health | ms/text |",
             "|---|---|---|---|---|---|---|"]
    for name, v in reddit.items():
        s = next(r for r in v["single_label"] if r["topic"] == "suicide_self_harm")
        c = v["controls_any_health_topic"]
        by_kind = " / ".join(f"{k['lines']}/{k['n']}" for k in v["crisis_line_by_subreddit_kind"].values())
        lines.append(f"| {name} | {v['n']} | {v['macro_f1']:.3f} | {s['precision']:.2f} / {s['recall']:.2f} "
                     f"| {c['tagged']}/{c['n']} | {by_kind} | {v['ms_per_text']:.1f} |")
    return lines + [""]


def _probes(probes: dict) -> list[str]:
    lines = ["", "## Plain crisis statements in every language (eval/tagging/crisis_probes.yaml, hand-written)", "",
             "Ideation, burden, self-harm, attempts and plans given the crisis topic / the crisis line; 'ambiguous' "
             "statements (as often exasperation) apart; figurative ones (hyperbole, abuse aimed at another, an "
             "everyday 'died': no one at risk) given the crisis line.", "",
             "| language | configuration | crisis statements: topic | crisis line | ambiguous: topic | crisis line "
             "| figurative: crisis line |",
             "|---|---|---|---|---|---|---|"]
    for lang in probes["keywords"]["per_language"]:
        for config in ("keywords", "adopted"):
            c = probes[config]["per_language"][lang]
            lines.append(f"| {lang} | {config} | {c.get('crisis_topic', 0)}/{c.get('crisis_n', 0)} | "
                         f"{c.get('crisis_line', 0)}/{c.get('crisis_n', 0)} | {c.get('ambiguous_topic', 0)}/"
                         f"{c.get('ambiguous_n', 0)} | {c.get('ambiguous_line', 0)}/{c.get('ambiguous_n', 0)} | "
                         f"{c.get('figurative_line', 0)}/{c.get('figurative_n', 0)} |")
    for title, key in (("Crisis statements without the crisis line", "crisis_without_line"),
                       ("Figurative statements given the crisis line", "figurative_with_line")):
        lines += ["", f"{title} (adopted):", ""]
        lines += [f"- [{p['lang']}, {p['kind']}] {p['text']} (risk {p['risk']})"
                  for p in probes["adopted"].get(key, ())] or ["- none"]
    return lines


def write_markdown(report: dict) -> str:
    """Render the evaluation report as markdown."""
    gold = report["gold_dev"]
    configs = {}
    if "before" in report:
        configs["before"] = report["before"]["gold_dev"]
    if "round1" in report:
        configs["round 1 (CV)"] = report["round1"]["gold_dev"]
    configs["keywords"] = gold["keywords"]
    configs["adopted (CV)"] = gold["adopted_crossvalidated"]
    lines = [
        f"# Tagging evaluation (taxonomy {report['taxonomy_version']})",
        "",
        "Truth: ../shared/text/gold_dev.jsonl, labelled post by post. `adopted (CV)` = keywords + learned heads, "
        "leave-one-source-out cross-validated (calibration and thresholds chosen on inner folds; nothing "
        "reported for a source was trained, calibrated or thresholded on it). `keywords` = the taxonomy alone "
        "(terms from general knowledge, written by the reader of this report: not held out). `before` = the "
        "tagger before the multilingual work (English MiniLM head), recorded in results/tagging_eval_before.json. "
        "`round 1 (CV)` = the first multilingual round (strict folds: no weak tweet of a held-out source's data "
        "set in training; one crisis threshold), recorded in results/tagging_eval_round1.json. Now the weak "
        "crisis tweets (crisis_weak_*, disjoint from gold_dev) train the heads in every fold, and the crisis "
        "threshold is set per language on their out-of-fold scores; the gold_dev figures stay leave-one-source-"
        "out. A help "
        "line = a PSA topic at the routing PSA threshold (0.75), or risk level `current` for the crisis line.",
        "",
        f"Targets: {report['targets']}",
        "",
        "## Per language (gold_dev)",
        "",
    ]
    lines += _language_table(configs)
    lines += ["## Per topic (gold_dev, multi-label)", ""] + _topic_table(configs)
    lines += ["## SIB-200 gold sentences in 12 languages (gold topics of the English sentence)", ""]
    lines += _sib_table(report["sib200_parallel"])
    lines += ["## Weak crisis tweets (crisis_weak_*: source labels, many 'suicidal' are figurative; heads "
              "trained without that language's weak tweets, shipped calibration and policy; the es / pt / id crisis "
              "thresholds were set on these tweets' out-of-fold scores, so this table is no longer a held-out "
              "check of the thresholds)", ""]
    lines += _weak_table(report["crisis_weak"])
    lines += _one_medium_table(report.get("weak_one_medium_term", {}))
    lines += ["## Reliability of the cross-validated calibrated head probabilities (gold_dev)", ""]
    lines += _reliability(report["reliability_crossvalidated"])
    adopted_heads = report.get("adopted_heads", {})
    lines += ["## Heads adopted (outer cross-validation: keywords + head beat keywords alone on the topic's F1; "
              "crisis: F2 of the crisis line)", "",
              ", ".join(f"{h}: {'yes' if a else 'no'}" for h, a in adopted_heads.items()), "",
              "Every head acting, cross-validated: macro-F1 "
              f"{report['gold_dev']['all_heads_crossvalidated']['macro_f1']:.3f} (the adopted subset: "
              f"{report['gold_dev']['adopted_crossvalidated']['macro_f1']:.3f}; choosing the subset on the same "
              "outer folds is a mild selection effect).", ""]
    lines += ["## Shipped per-topic policy (chosen on the cross-validated probabilities)", "",
              "add_at: the head adds its topic at this calibrated probability; veto_below: a keyword topic "
              "below it is dropped (never suicide_self_harm with current-risk evidence); null: not adopted.", ""]
    lines += [f"- {t}: add_at {p['add_at']}, veto_below {p['veto_below']}"
              + (f", skip_languages {', '.join(map(str, p['skip_languages']))}" if p.get("skip_languages") else "")
              + (", per language " + ", ".join(f"{lang} {at}" for lang, at in p["language_add_at"])
                 if p.get("language_add_at") else "")
              for t, p in report["shipped_policy"].items()]
    lines += ["", "## Secondary: Reddit held-out split (subreddit labels; heads trained on the dev split)", ""]
    lines += _reddit(report["reddit_heldout"])
    tricky = report["tricky"]
    lines += ["## Tricky hand-written cases", "",
              ", ".join(f"{lang}: {v['passed']}/{v['total']}" for lang, v in tricky["per_language"].items()), ""]
    lines += [f"- FAIL [{f['lang']}] {f['text']} -> {f['got']}" for f in tricky["failures"]]
    lines += _probes(report["crisis_probes"])
    adopted = gold["adopted_crossvalidated"]
    lines += ["", "## Errors that matter (adopted, cross-validated)", ""]
    lines += _listed("Missed help lines: crisis texts without the crisis line", adopted["missed_help_lines"])
    lines += _listed("False help lines: texts with no health topic given a help line", adopted["false_help_lines"])
    lines += _listed("Crisis line on texts without suicide_self_harm", adopted["crisis_line_on_non_crisis"])
    lines += _listed("No-health texts given any topic", adopted["non_health_tagged"])
    return "\n".join(lines) + "\n"
